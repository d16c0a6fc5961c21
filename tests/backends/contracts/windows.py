"""Events counted in a sliding window (the registration throttles'), for
both back-ends: one process's memory and Redis, shared by every node.

The core decides the limit (:class:`~chatroom.core.infra.throttle.
SharedWindowLimit`) and hands the counter one change: one more event
counted, resting on :class:`~chatroom.core.model.changes.server.FewerThan` (the limit
and the window its operands), or one given back. :class:`WindowsContract`
applies such changes as two nodes' decisions made on the same count would
reach the counter: the one that comes second finds the premise failed and
is told how long to wait. It runs through ``Backend.apply`` on the
in-process back-end, which counts in its memory
(:class:`~chatroom.core.infra.throttle.MemoryWindows`,
``tests/backends/local/test_windows.py``), and on Redis
(``tests/backends/redis/test_windows.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.infra.throttle import SharedWindows, counted, uncounted
from chatroom.core.model.changes.base import PremiseFailedError
from chatroom.core.model.changes.server import FewerThan

#: A window long enough that nothing leaves it during a test.
WINDOW = 600.0


class WindowsContract:
    """Subclasses mix in a TestCase and provide :meth:`counter`."""

    def counter(self) -> SharedWindows:
        """The counter under test (a back-end: its ``apply``)."""
        raise NotImplementedError

    def applied(self, *changes: Any) -> defer.Deferred[None]:
        counter = self.counter()

        async def apply() -> None:
            for change in changes:
                await counter.apply(change)

        return defer.Deferred.fromCoroutine(apply())

    @defer.inlineCallbacks
    def refused(self, change: Any) -> Generator[Any, Any, float]:
        """``change`` is refused, its premise failed: the seconds to wait."""
        failure = yield self.assertFailure(  # type: ignore[attr-defined]
            self.applied(change), PremiseFailedError
        )
        self.assertIsInstance(failure.premise, FewerThan)  # type: ignore[attr-defined]
        return float(failure.facts)

    @defer.inlineCallbacks
    def test_the_last_place_is_taken_once(self) -> Generator[Any, Any, None]:
        """Two decisions made on one place left (a limit of 2, one counted):
        the first counts; the second, its premise no longer true, is
        refused with the wait until the oldest leaves the window."""
        yield self.applied(counted("k", 2, WINDOW))
        first, second = counted("k", 2, WINDOW), counted("k", 2, WINDOW)
        yield self.applied(first)
        wait = yield self.refused(second)
        self.assertTrue(WINDOW - 5 <= wait <= WINDOW, wait)  # type: ignore[attr-defined]

    @defer.inlineCallbacks
    def test_the_limit_is_the_deciders(self) -> Generator[Any, Any, None]:
        """The counter keeps no limit of its own: with two counted, a change
        decided under a limit of 3 counts a third, one decided under 3
        again is refused, and one under 5 counts a fourth."""
        yield self.applied(counted("k", 3, WINDOW), counted("k", 3, WINDOW))
        yield self.applied(counted("k", 3, WINDOW))
        yield self.refused(counted("k", 3, WINDOW))
        yield self.applied(counted("k", 5, WINDOW))
        yield self.refused(counted("k", 4, WINDOW))

    @defer.inlineCallbacks
    def test_a_place_given_back_is_free_again(self) -> Generator[Any, Any, None]:
        """An event counted then given back (the registration was not made)
        frees its place; another key's count is its own."""
        yield self.applied(counted("k", 1, WINDOW), uncounted("k"))
        yield self.applied(counted("k", 1, WINDOW))
        yield self.refused(counted("k", 1, WINDOW))
        yield self.applied(counted("other", 1, WINDOW))

    @defer.inlineCallbacks
    def test_an_event_counted_by_its_id_is_counted_once(
        self,
    ) -> Generator[Any, Any, None]:
        """An event counted with its own id (a Matrix event relayed again)
        takes one place however often it is counted, even once the window
        is full (answered as within); another id takes another place, and
        with none left is refused."""
        yield self.applied(counted("k", 2, WINDOW, "$e1"))
        yield self.applied(counted("k", 2, WINDOW, "$e1"))
        yield self.applied(counted("k", 2, WINDOW, "$e2"))
        yield self.applied(counted("k", 2, WINDOW, "$e1"))
        yield self.refused(counted("k", 2, WINDOW, "$e3"))
        yield self.refused(counted("k", 2, WINDOW))
        yield self.applied(counted("other", 1, WINDOW, "$e1"))
