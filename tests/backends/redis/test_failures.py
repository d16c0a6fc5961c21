"""Failures counted under a back-off in a real redis-server, shared by
every node: the contract (:mod:`tests.backends.contracts.failures`), on
one Redis, rooms apart, and a Redis Cluster of three primaries."""

from __future__ import annotations

from chatroom.core.throttle import SharedFailures
from tests.backends.contracts.failures import FailuresContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.redis_cluster import OnThreePrimaries, RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class RedisFailuresTests(RedisRegistryTestCase, FailuresContract):
    config = CONFIG

    def counter(self) -> SharedFailures:
        return redis_backend(self.server)


class RoomsApartFailuresTests(RoomsApartRegistryTestCase, FailuresContract):
    """The counts are the server's keys, in the prefix's slot, beside rooms
    each in a slot of their own: a name's count and an address's are
    counted in one script."""

    config = CONFIG

    def counter(self) -> SharedFailures:
        return redis_backend(self.server)


class ThreePrimariesFailuresTests(OnThreePrimaries, RoomsApartFailuresTests):
    """... and on a Redis Cluster of three primaries."""
