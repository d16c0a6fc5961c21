"""Lost connections given back a bounded number a reactor turn.

When thousands of a node's connections close in the same moment (a
generator told to stop, a load balancer restarted, a network cut), the
kernel reports them together and the reactor calls every one's
``connectionLost`` in one turn. Each gives back its user's name, places
and count (the core's release, a departure queued for Redis, a census
count, a log line: some hundreds of microseconds of CPU), so 4,000 of them
made one turn of seconds, and on a machine whose cores are shared by
dozens of nodes one of minutes. Nothing else runs in such a turn: not the
heartbeat, whose key then expired while the node was alive (the others
found its connections open and waited ``--stall-grace`` for it), nor the
replies that were waiting, nor ``/healthz``.

So :class:`LostConnections` gives back at most :data:`PER_TURN` lost connections
a turn, in the order they were lost: a connection lost while fewer have
been this turn is given back at once, as it always was; the rest wait,
and each following turn (``callLater(0)`` on the server's clock, so the
timers due, the heartbeat among them, and the sockets' reads run between
two) gives back the next :data:`PER_TURN`, until none waits: no turn is
scheduled after the last, and the next loss begins a count of its own
(so a reactor turn whose timers gave back the last of a crowd, and whose
sockets then report new losses, may give back up to twice as many, the
crowd's last and the new ones'). A connection waiting here is
still counted and still holds its name and places, as one whose harvest
has not come; its socket is closed (``/metrics``:
``chatroom_lost_waiting``). The server's shutdown gives back
every one still waiting before it lets go of shared state
(:meth:`LostConnections.stop`), and from then on each connection it closes is
given back at once: a server shutting down is leaving its users, and
no turn of this may be left due after it has let go.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

#: Lost connections given back in one reactor turn; the others wait for
#: the next turns. At a few hundred microseconds each, a few tens of
#: milliseconds of a turn.
PER_TURN = 64


class LostConnections:
    """Lost connections' ends, at most :data:`PER_TURN` a reactor turn."""

    log = Logger()

    def __init__(self, clock: IReactorTime, per_turn: int = PER_TURN) -> None:
        self.clock = clock
        self.per_turn = per_turn
        self._waiting: deque[Callable[[], None]] = deque()
        #: Ends run in this turn of ours: since :meth:`_turn` began it, or
        #: the loss that found none due (:meth:`end`).
        self._this_turn = 0
        self._next: IDelayedCall | None = None
        #: Whether the server is shutting down (:meth:`stop`).
        self._stopped = False

    @property
    def waiting(self) -> int:
        """Lost connections waiting for their turn to be given back."""
        return len(self._waiting)

    def end(self, work: Callable[[], None]) -> None:
        """``work`` (a lost connection given back) now if this turn has
        room for it and none waits before it (or the server is shutting
        down), else in a later turn."""
        if self._stopped:
            self._run(work)
            return
        if self._next is None:
            # No turn of ours is due, so this loss begins one: the count
            # starts again, and the next turn (due on the clock) ends it.
            self._this_turn = 0
            self._next = self.clock.callLater(0, self._turn)
        if self._waiting or self._this_turn >= self.per_turn:
            self._waiting.append(work)
        else:
            self._this_turn += 1
            self._run(work)

    def stop(self) -> None:
        """The server is shutting down: every end still waiting, now, and
        each one after it at once, with no turn left due."""
        self._stopped = True
        if self._next is not None and self._next.active():
            self._next.cancel()
        self._next = None
        while self._waiting:
            self._run(self._waiting.popleft())

    def _turn(self) -> None:
        """A new turn: the next :data:`PER_TURN` ends that wait, and
        another turn only while some still wait (a loss after the last
        begins its own, :meth:`end`)."""
        self._next = None
        self._this_turn = 0
        while self._waiting and self._this_turn < self.per_turn:
            self._this_turn += 1
            self._run(self._waiting.popleft())
        if self._waiting:
            self._next = self.clock.callLater(0, self._turn)

    def _run(self, work: Callable[[], None]) -> None:
        """One end; a fault in it is logged and spares the others."""
        try:
            work()
        except Exception:
            self.log.failure("giving back a lost connection")
