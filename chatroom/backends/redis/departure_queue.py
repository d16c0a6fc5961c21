"""A crowd's departures, a bounded number at a time.

A session that ends is steps of scripts (:mod:`.endings`), and on IRC its
nick is kept for ``WHOWAS`` (:mod:`.whowas`). When thousands of
connections drop in the same moment (a network cut, a load balancer
restarted, a generator told to stop), issuing every one's steps at once
puts thousands of calls in flight: the last wait behind all the others,
in Redis and in the node's own reading of the replies, past
``--redis-timeout``. The node would then take a Redis that answers for
down, drop its links, serve ``ERR UNAVAILABLE`` to everyone and resume.

So :class:`DepartureQueue` runs them :data:`AT_ONCE` at a time, first
come first served: Redis stays as busy,
since that many keep it working between two round trips, and no call
waits in flight longer than the steps of that many departures take. A
departure waiting its turn has sent nothing, so its deadline has not
begun. A name whose release waits its turn is still taken meanwhile, and
a claim of it here starts it at once (:meth:`DepartureQueue.hasten`) and
waits for it (:meth:`.endings.Endings.released`): the name is free again
after one departure's steps, not after the crowd's.

The next departure is started by a loop, not inside the end of the one
before: when Redis is lost, each departure fails as soon as it starts,
and a queue that started the next from the last one's failure (as
``DeferredSemaphore`` does) would nest one call per departure waiting,
thousands deep, and stop at Python's recursion limit with departures
neither done nor retried and their names left taken.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

from chatroom.core.model.metrics import DEPARTURES

T = TypeVar("T")

#: Departures under way at once; the others wait their turn.
AT_ONCE = 64


class DepartureQueue:
    """Runs departures, :data:`AT_ONCE` at a time, in the order they came."""

    def __init__(self, at_once: int = AT_ONCE) -> None:
        self._at_once = at_once
        self._running = 0
        self._waiting: deque[
            tuple[Callable[[], Coroutine[Any, Any, Any]], Deferred[Any]]
        ]
        self._waiting = deque()
        #: Whether :meth:`_start` is looping further up the stack: a
        #: departure that ends (or is queued) meanwhile leaves its
        #: successor to that loop rather than nest another.
        self._starting = False

    @property
    def waiting(self) -> int:
        """Departures waiting for their turn."""
        return len(self._waiting)

    def run(self, departure: Callable[[], Coroutine[Any, Any, T]]) -> Deferred[T]:
        """``departure()`` once its turn comes; what it gives. Counted on
        ``/metrics`` while it waits and while it runs
        (:data:`~chatroom.core.model.metrics.DEPARTURES`)."""
        DEPARTURES.waiting += 1
        done: Deferred[T] = Deferred(canceller=self._cancelled)
        self._waiting.append((departure, done))
        self._start()
        return done

    def hasten(self, done: Deferred[Any] | None) -> None:
        """The departure whose end ``done`` is (as :meth:`run` gave it) is
        started now if it still waits its turn, past the bound: someone
        waits for it (a claim of the name it frees), and one departure
        more in flight is not a crowd's."""
        for queued in self._waiting:
            if queued[1] is done:
                self._waiting.remove(queued)
                DEPARTURES.waiting -= 1
                self._begin(*queued)
                return

    def _cancelled(self, done: Deferred[Any]) -> None:
        """A departure given up by whoever waits for it: not run if it
        still waits its turn (one under way runs on, its end unheard)."""
        for queued in self._waiting:
            if queued[1] is done:
                self._waiting.remove(queued)
                DEPARTURES.waiting -= 1
                return

    def _start(self) -> None:
        """The departures whose turn has come, started one after another
        in this loop (see the module's docstring)."""
        if self._starting:
            return
        self._starting = True
        try:
            while self._waiting and self._running < self._at_once:
                departure, done = self._waiting.popleft()
                DEPARTURES.waiting -= 1
                self._begin(departure, done)
        finally:
            self._starting = False

    def _begin(
        self, departure: Callable[[], Coroutine[Any, Any, Any]], done: Deferred[Any]
    ) -> None:
        """``departure`` runs, ``done`` told its end."""
        DEPARTURES.running += 1
        self._running += 1
        try:
            running: Deferred[Any] = Deferred.fromCoroutine(departure())
        except Exception:
            running = fail()
        running.addBoth(self._ended, done)

    def _ended(self, result: object, done: Deferred[Any]) -> None:
        """A departure ended (done or failed): its turn passed on, then
        ``result`` given to whoever waits for it."""
        self._running -= 1
        DEPARTURES.running -= 1
        self._start()
        if done.called:  # cancelled while it ran
            return
        if isinstance(result, Failure):
            done.errback(result)
        else:
            done.callback(result)
