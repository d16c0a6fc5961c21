"""A crowd's departures, a bounded number at a time.

A session that ends is steps of scripts (:mod:`.endings`), and on IRC its
nick is kept for ``WHOWAS`` (:mod:`.whowas`). When thousands of
connections drop in the same moment (a network cut, a load balancer
restarted, a generator told to stop), issuing every one's steps at once
puts thousands of calls in flight: the last wait behind all the others,
in Redis and in the node's own reading of the replies, past
``--redis-timeout``. The node would then take a Redis that answers for
down, drop its links, serve ``ERR UNAVAILABLE`` to everyone and resume.

So :class:`DepartureQueue` runs them :data:`AT_ONCE` at a time (a
``DeferredSemaphore``, first come first served): Redis stays as busy,
since that many keep it working between two round trips, and no call
waits in flight longer than the steps of that many departures take. A
departure waiting its turn has sent nothing, so its deadline has not
begun. A name whose release waits its turn is still taken meanwhile, and
a claim of it here waits for it (:meth:`.endings.Endings.released`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from twisted.internet.defer import Deferred, DeferredSemaphore

from chatroom.core.metrics import DEPARTURES

T = TypeVar("T")

#: Departures under way at once; the others wait their turn.
AT_ONCE = 64


class DepartureQueue:
    """Runs departures, :data:`AT_ONCE` at a time, in the order they came."""

    def __init__(self, at_once: int = AT_ONCE) -> None:
        self._turns = DeferredSemaphore(at_once)

    @property
    def waiting(self) -> int:
        """Departures waiting for their turn."""
        return len(self._turns.waiting)

    def run(self, departure: Callable[[], Coroutine[Any, Any, T]]) -> Deferred[T]:
        """``departure()`` once its turn comes; what it gives. Counted on
        ``/metrics`` while it waits and while it runs
        (:data:`~chatroom.core.metrics.DEPARTURES`)."""
        DEPARTURES.waiting += 1

        def turn() -> Deferred[T]:
            DEPARTURES.waiting -= 1
            DEPARTURES.running += 1
            return Deferred.fromCoroutine(departure()).addBoth(_ended)

        return self._turns.run(turn)


def _ended(result: T) -> T:
    """A departure ended (done or failed): ``result`` passed on."""
    DEPARTURES.running -= 1
    return result
