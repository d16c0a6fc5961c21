"""Failures counted under a back-off in a real redis-server, shared by
every node: the contract (:mod:`tests.backends.contracts.failures`), on
one Redis, rooms apart, and a Redis Cluster of three primaries; and what
a spray of guesses from many addresses leaves in Redis."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.infra.throttle import SharedFailures
from tests.backends.contracts.failures import ADDRESS, FailuresContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.redis_cluster import OnThreePrimaries, RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class RedisFailuresTests(RedisRegistryTestCase, FailuresContract):
    config = CONFIG

    def counter(self) -> SharedFailures:
        return redis_backend(self.server)

    def keep_at_most(self, keys: int) -> None:
        redis_backend(self.server).account_store.failures.keys = keys

    @defer.inlineCallbacks
    def test_a_spray_of_addresses_leaves_the_keys_kept(
        self,
    ) -> Generator[Any, Any, None]:
        """One guess from each of 40 addresses, with 10 keys kept: Redis
        holds 10 counts (the newest) and an index of 10, not 40 hashes for
        the hour an address's count lasts."""
        self.keep_at_most(10)
        for n in range(40):
            yield self.attempt((ADDRESS, f"192.0.2.{n}"))
            self.clock.advance(1)
        calls = redis_backend(self.server).calls
        kept = yield defer.ensureDeferred(
            calls.command("KEYS", calls.prefix + "guesses:*")
        )
        self.assertEqual(
            sorted(key.decode().rpartition(".")[2] for key in kept),
            sorted(str(n) for n in range(30, 40)),
        )
        indexed = yield defer.ensureDeferred(
            calls.command("ZCARD", calls.prefix + "guesses")
        )
        self.assertEqual(indexed, 10)


class RoomsApartFailuresTests(RoomsApartRegistryTestCase, FailuresContract):
    """The counts are the server's keys, in the prefix's slot, beside rooms
    each in a slot of their own: a name's count and an address's are
    counted in one script."""

    config = CONFIG

    def counter(self) -> SharedFailures:
        return redis_backend(self.server)

    def keep_at_most(self, keys: int) -> None:
        redis_backend(self.server).account_store.failures.keys = keys


class ThreePrimariesFailuresTests(OnThreePrimaries, RoomsApartFailuresTests):
    """... and on a Redis Cluster of three primaries."""
