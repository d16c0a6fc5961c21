"""One timer for the deadlines of every call in flight to Redis.

Every script a node runs must be answered within ``--redis-timeout`` or the
user hears ``ERR UNAVAILABLE``. Twisted's ``Deferred.addTimeout`` would
schedule (and then cancel) one ``DelayedCall`` per call, plus two callbacks
on it: at a thousand messages a second that is a thousand timers made and
unmade, and the reactor's heap rebuilt under them. All calls share the same
timeout, so their deadlines come in the order the calls were made:
:class:`CallDeadlines` keeps them in a queue and one timer on the injected
clock, set for the oldest unanswered call's deadline, sweeps it.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime


class CallTimedOut:
    """A call's deadline, watched until its Deferred fires.

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

    :meth:`watch` a call's Deferred; if it has not fired ``timeout`` seconds
    later, the watch is marked ``timed_out`` and the Deferred cancelled.
    Answered calls leave the queue when the timer next comes round (at most
    once per ``timeout`` while calls keep coming), so there is one timer
    however many calls are in flight.
    """

    def __init__(self, clock: IReactorTime, timeout: float) -> None:
        self.clock = clock
        self.timeout = timeout
        self._watched: deque[CallTimedOut] = deque()
        self._timer: IDelayedCall | None = None

    def watch(self, running: Deferred[Any]) -> CallTimedOut:
        """Cancel ``running`` unless it fires within the timeout."""
        watch = CallTimedOut(self.clock.seconds() + self.timeout, running)
        self._watched.append(watch)
        if self._timer is None:
            self._timer = self.clock.callLater(self.timeout, self._sweep)
        return watch

    def _sweep(self) -> None:
        """Forget the answered calls at the front; time out the overdue ones;
        set the timer again for the oldest call still waiting."""
        self._timer = None
        now = self.clock.seconds()
        watched = self._watched
        overdue = []
        while watched:
            first = watched[0]
            if first.running.called:
                watched.popleft()
            elif first.deadline <= now:
                overdue.append(watched.popleft())
            else:
                break
        if watched:
            self._timer = self.clock.callLater(
                max(0.0, watched[0].deadline - now), self._sweep
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
        self._watched.clear()
        return result
