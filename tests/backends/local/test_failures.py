"""Failures counted under a back-off by the in-process back-end, in its
memory on the injected clock: the contract, the doubling waits and
forgetting."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.infra.throttle import (
    MemoryFailures,
    SharedFailures,
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

    def keep_at_most(self, keys: int) -> None:
        failures = chat_core(self.server).backend.failures
        assert isinstance(failures, MemoryFailures), failures
        failures.keys = keys

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
