"""Failures counted under a back-off by the in-process back-end, in its
memory on the injected clock: the contract, the doubling waits and
forgetting."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.throttle import (
    FailureBackoff,
    Guesses,
    MemoryFailures,
    SharedFailures,
    ThrottledError,
)
from tests.backends.contracts.failures import NAME, FailuresContract
from tests.backends.contracts.handler import CONFIG
from tests.support import chat_core, local_server


class LocalFailuresTests(FailuresContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    def counter(self) -> SharedFailures:
        return chat_core(self.server).backend

    @defer.inlineCallbacks
    def test_the_wait_doubles_to_the_cap_then_is_forgotten(
        self,
    ) -> Generator[Any, Any, None]:
        """Each failure past the free ones doubles the wait, up to the cap;
        a key quiet for its forgetting time starts over."""
        for _ in range(NAME.free):
            yield self.attempt((NAME, "alice"))
        waits = []
        for _ in range(4):
            refused = yield self.throttled((NAME, "alice"))
            waits.append(refused.wait)
            self.clock.advance(refused.wait)
            yield self.attempt((NAME, "alice"))
        self.assertEqual(waits, [60, 120, 240, 240])
        self.clock.advance(NAME.forget)
        for _ in range(NAME.free):
            yield self.attempt((NAME, "alice"))

    @defer.inlineCallbacks
    def test_the_table_is_bounded(self) -> Generator[Any, Any, None]:
        """Past its keys, the counter drops the forgotten ones first, then
        the oldest: a guesser with endless addresses cannot fill memory,
        and the newest counts stay."""
        counter = MemoryFailures(self.clock, keys=2)
        guesses = Guesses(counter.apply)
        quick = FailureBackoff("quick", free=1, base=60, cap=60, forget=10)
        yield defer.Deferred.fromCoroutine(guesses.attempt((quick, "gone")))
        self.clock.advance(10)
        for key in ("old", "new", "newest"):
            yield defer.Deferred.fromCoroutine(guesses.attempt((NAME, key)))
        for key in ("new", "newest"):  # kept: NAME has 3 free, these used 1
            for _ in range(NAME.free - 1):
                yield defer.Deferred.fromCoroutine(guesses.attempt((NAME, key)))
            yield self.assertFailure(
                defer.Deferred.fromCoroutine(guesses.attempt((NAME, key))),
                ThrottledError,
            )
        for _ in range(NAME.free):  # dropped: starts over
            yield defer.Deferred.fromCoroutine(guesses.attempt((NAME, "old")))
