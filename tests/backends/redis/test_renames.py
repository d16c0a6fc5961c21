"""Renaming a room against the Redis registry (a real redis-server).

The contract in every layout: where every key is in one slot (one Redis;
a Redis Cluster with the rooms with the rest) a rename is one script; with
each room in a slot of its own the old keys and the new are in two slots,
and a rename is journalled steps (``room_renames``).
"""

from __future__ import annotations

from twisted.internet import defer

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.renames import RenamesContract
from tests.cluster.redis_cluster import (
    OneServerClusterRegistryTestCase,
    RoomsApartRegistryTestCase,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisRenames(RenamesContract):
    config = CONFIG

    def lobby_pushed(self) -> defer.Deferred[None]:
        """The server runs on the reactor: the push comes within the
        expectation's waits."""
        return self.wait()


class RedisRegistryRenamesTests(RedisRegistryTestCase, RedisRenames):
    pass


class RedisClusterRenamesTests(OneServerClusterRegistryTestCase, RedisRenames):
    """A Redis Cluster whose rooms' keys are in the prefix's slot."""


class RoomsApartRenamesTests(RoomsApartRegistryTestCase, RedisRenames):
    """Each room in a slot of its own: a rename is journalled steps, and
    what members see is the same (every key where the layout puts it
    after each test: no sealed key and no journal left)."""
