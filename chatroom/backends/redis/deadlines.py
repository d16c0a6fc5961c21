"""One timer for the deadlines of every call in flight to Redis.

Every script a node runs must be answered within ``--redis-timeout`` or the
user hears ``ERR UNAVAILABLE``. Twisted's ``Deferred.addTimeout`` would
schedule (and then cancel) one ``DelayedCall`` per call, plus two callbacks
on it: at a thousand messages a second that is a thousand timers made and
unmade, and the reactor's heap rebuilt under them. All calls share the same
timeout, so their deadlines come in the order the calls were made:
:class:`CallDeadlines` keeps the calls in flight in that order and one timer
on the injected clock, set for the oldest one's deadline.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime


class PendingCall:
    """A call's deadline, watched until it is done.

    ``timed_out`` is set (before the Deferred is cancelled) when the call
    was not answered in time, so the caller can tell its own cancellation
    from the timeout's.
    """

    __slots__ = ("deadline", "running", "timed_out")

    def __init__(self, deadline: float, running: Deferred[Any]) -> None:
        self.deadline = deadline
        self.running = running
        self.timed_out = False


class CallDeadlines:
    """Deadlines of the calls in flight, ``timeout`` seconds after each began.

    :meth:`watch` a call's Deferred and :meth:`done` it once it has fired;
    if it has not fired ``timeout`` seconds later, the watch is marked
    ``timed_out`` and the Deferred cancelled. The calls in flight are a dict
    in the order they began, so the first is the one whose deadline comes
    next, and a call leaves it as soon as it is done: nothing waits there
    longer than the call itself (a few milliseconds), so the collector never
    has to walk it.
    """

    def __init__(self, clock: IReactorTime, timeout: float) -> None:
        self.clock = clock
        self.timeout = timeout
        self._in_flight: dict[PendingCall, None] = {}
        self._timer: IDelayedCall | None = None
        #: Calls watched so far: a test waiting for the node to be quiet
        #: needs to see that no call began, not only that none is in flight
        #: at the instants it looks (a node's steps follow one another).
        self.begun = 0

    def __len__(self) -> int:
        """How many calls are in flight (a test waits for none: the node
        is then quiet)."""
        return len(self._in_flight)

    def watch(self, running: Deferred[Any]) -> PendingCall:
        """Cancel ``running`` unless it fires within the timeout."""
        watch = PendingCall(self.clock.seconds() + self.timeout, running)
        self._in_flight[watch] = None
        self.begun += 1
        if self._timer is None:
            self._timer = self.clock.callLater(self.timeout, self._sweep)
        return watch

    def done(self, watch: PendingCall) -> None:
        """The call has fired (answered, failed or timed out)."""
        self._in_flight.pop(watch, None)

    def _sweep(self) -> None:
        """Time out the calls past their deadline; set the timer again for
        the oldest call still in flight, if any."""
        self._timer = None
        now = self.clock.seconds()
        overdue = []
        for watch in self._in_flight:
            if watch.deadline > now:
                break
            overdue.append(watch)
        for watch in overdue:
            del self._in_flight[watch]
        if self._in_flight:
            oldest = next(iter(self._in_flight))
            self._timer = self.clock.callLater(
                max(0.0, oldest.deadline - now), self._sweep
            )
        for watch in overdue:
            watch.timed_out = True
            watch.running.cancel()

    def stop(self, result: Any = None) -> Any:
        """Stop the timer: the node has detached and runs no more scripts.

        Passes ``result`` through, to sit in a Deferred's chain.
        """
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self._in_flight.clear()
        return result
