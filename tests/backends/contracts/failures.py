"""Failures counted under a back-off (wrong passwords and codes), for both
back-ends: one process's memory and Redis, shared by every node.

The core decides the back-off
(:class:`~chatroom.core.infra.throttle.FailureBackoff`: the free failures, the
doubling waits, the cap, when a key is forgotten) and hands the counter one
change: a failure counted under one key or several, resting on each key's
failures as read (:class:`~chatroom.core.model.changes.server.FailuresAtMost`),
or failures given back or cleared. :class:`FailuresContract` applies such
changes as nodes' guesses would reach the counter. It runs through
``Backend.apply`` on the in-process back-end, which counts in its memory
(:class:`~chatroom.core.infra.throttle.MemoryFailures`,
``tests/backends/local/test_failures.py``), and on Redis
(``tests/backends/redis/test_failures.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, task

from chatroom.core.infra.throttle import (
    FailureBackoff,
    Guesses,
    SharedFailures,
    ThrottledError,
)

#: Waits long enough that none ends during a test.
NAME = FailureBackoff("name", free=3, base=60, cap=240, forget=3600)
ADDRESS = FailureBackoff("address", free=2, base=120, cap=480, forget=3600)


class FailuresContract:
    """Subclasses mix in a TestCase and provide :meth:`counter`."""

    def counter(self) -> SharedFailures:
        """The counter under test (a back-end: its ``apply``)."""
        raise NotImplementedError

    def keep_at_most(self, keys: int) -> None:
        """The counter under test keeps at most ``keys`` keys."""
        raise NotImplementedError

    def guesses(self) -> Guesses:
        # The counts' times are the core's clock's: the test's own, where
        # it has one, else one kept for the test.
        if getattr(self, "clock", None) is None:
            self.clock = task.Clock()
        return Guesses(self.counter().apply, self.clock)

    def attempt(self, *under: tuple[FailureBackoff, str]) -> defer.Deferred[None]:
        return defer.Deferred.fromCoroutine(self.guesses().attempt(*under))

    @defer.inlineCallbacks
    def throttled(
        self, *under: tuple[FailureBackoff, str]
    ) -> Generator[Any, Any, ThrottledError]:
        """The attempt is refused: by which back-off, and its wait."""
        refused = yield self.assertFailure(  # type: ignore[attr-defined]
            self.attempt(*under), ThrottledError
        )
        return refused

    @defer.inlineCallbacks
    def test_free_failures_then_a_wait(self) -> Generator[Any, Any, None]:
        """A name's free failures count; the next attempt waits the
        back-off's first wait, and is not counted."""
        for _ in range(NAME.free):
            yield self.attempt((NAME, "alice"))
        refused = yield self.throttled((NAME, "alice"))
        self.assertIs(refused.backoff, NAME)  # type: ignore[attr-defined]
        self.assertTrue(55 <= refused.wait <= 60, refused.wait)  # type: ignore[attr-defined]
        yield self.attempt((NAME, "bob"))  # another key's count is its own

    @defer.inlineCallbacks
    def test_attempts_made_together_share_the_free_failures(
        self,
    ) -> Generator[Any, Any, None]:
        """Twelve attempts at one name at once (on Redis, each decided
        before any is counted): the free ones are counted, every other is
        refused for its wait, none for the others' counts (``UNAVAILABLE``);
        the name has counted its free failures and no more."""
        attempts = [self.attempt((NAME, "alice")) for _ in range(12)]
        outcomes = yield defer.DeferredList(attempts, consumeErrors=True)
        refused = [f.value for ok, f in outcomes if not ok]
        self.assertEqual(len(refused), 12 - NAME.free)  # type: ignore[attr-defined]
        for refusal in refused:
            self.assertIsInstance(refusal, ThrottledError)  # type: ignore[attr-defined]
        yield self.throttled((NAME, "alice"))

    @defer.inlineCallbacks
    def test_an_attempt_counts_under_every_key_or_none(
        self,
    ) -> Generator[Any, Any, None]:
        """An address's count and a name's in one step: refused by the
        address, the name's count is untouched (so another address may
        still try the name), and the refusal names the address."""
        for n in range(ADDRESS.free):
            yield self.attempt((ADDRESS, "192.0.2.1"), (NAME, f"n{n}"))
        refused = yield self.throttled((ADDRESS, "192.0.2.1"), (NAME, "alice"))
        self.assertIs(refused.backoff, ADDRESS)  # type: ignore[attr-defined]
        for n in range(NAME.free):
            yield self.attempt((ADDRESS, f"198.51.100.{n}"), (NAME, "alice"))
        refused = yield self.throttled((ADDRESS, "198.51.100.9"), (NAME, "alice"))
        self.assertIs(refused.backoff, NAME)  # type: ignore[attr-defined]

    @defer.inlineCallbacks
    def test_a_failure_given_back_is_free_again(self) -> Generator[Any, Any, None]:
        """An attempt counted then given back (it was no failure) frees
        its place; cleared, a key starts over."""
        guesses = self.guesses()
        for _ in range(NAME.free):
            yield self.attempt((NAME, "alice"))
        yield defer.Deferred.fromCoroutine(guesses.settle([(NAME, "alice")]))
        yield self.attempt((NAME, "alice"))
        yield self.throttled((NAME, "alice"))
        yield defer.Deferred.fromCoroutine(guesses.settle(cleared=[(NAME, "alice")]))
        for _ in range(NAME.free):
            yield self.attempt((NAME, "alice"))
        yield self.throttled((NAME, "alice"))

    @defer.inlineCallbacks
    def test_the_waits_are_the_deciders(self) -> Generator[Any, Any, None]:
        """The counter keeps no rule of its own: the same count is waited
        out under a premise with more free failures, refused under one
        with fewer, with the wait its table gives."""
        for _ in range(2):
            yield self.attempt((NAME, "k"))
        yield self.attempt((FailureBackoff("name", 3, 60, 240, 3600), "k"))
        refused = yield self.throttled((FailureBackoff("name", 1, 10, 40, 3600), "k"))
        # 3 failures, 1 free: the third wait of 10, 20, 40.
        self.assertTrue(35 <= refused.wait <= 40, refused.wait)  # type: ignore[attr-defined]
        refused = yield self.throttled((FailureBackoff("name", 1, 500, 500, 3600), "k"))
        self.assertTrue(495 <= refused.wait <= 500, refused.wait)  # type: ignore[attr-defined]

    @defer.inlineCallbacks
    def test_the_keys_are_bounded(self) -> Generator[Any, Any, None]:
        """Past its keys, the counter drops the forgotten ones first, then
        those counted longest ago: a guesser with endless addresses cannot
        fill memory, and the newest counts stay."""
        self.keep_at_most(2)
        guesses = self.guesses()
        quick = FailureBackoff("quick", free=1, base=60, cap=60, forget=10)
        yield defer.Deferred.fromCoroutine(guesses.attempt((quick, "gone")))
        self.clock.advance(10)
        for key in ("old", "new", "newest"):
            yield self.attempt((NAME, key))
            self.clock.advance(1)
        for key in ("new", "newest"):  # kept: NAME has 3 free, these used 1
            for _ in range(NAME.free - 1):
                yield self.attempt((NAME, key))
            yield self.throttled((NAME, key))
        for _ in range(NAME.free):  # dropped: starts over
            yield self.attempt((NAME, "old"))
