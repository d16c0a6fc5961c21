"""Rooms that belong to someone against the Redis back-end on a real
redis-server (``tests/backends/contracts/owned_rooms.py``), the rooms'
keys on one server and spread over a Redis Cluster's shards."""

from __future__ import annotations

from tests.backends.contracts.owned_rooms import CONFIG, OwnedRoomsContract
from tests.cluster.redis_cluster import RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisOwnedRoomsTests(RedisRegistryTestCase, OwnedRoomsContract):
    config = CONFIG


class RedisClusterOwnedRoomsTests(RoomsApartRegistryTestCase, OwnedRoomsContract):
    config = CONFIG
