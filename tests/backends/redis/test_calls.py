"""A room's call through a room's rename and a participant's ``/nick`` on a
real redis-server, in every layout: where every key is in one slot (one
Redis; a Redis Cluster with the rooms with the rest) the rename moves the
room's ``call`` key in its one script; with each room in a slot of its own
the call key goes with the room's other keys in the rename's journalled
steps (``ROOM_KINDS``)."""

from __future__ import annotations

from tests.backends.contracts.calls import CallsContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.redis_cluster import (
    OneServerClusterRegistryTestCase,
    RoomsApartRegistryTestCase,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisCalls(CallsContract):
    config = CONFIG


class RedisRegistryCallsTests(RedisRegistryTestCase, RedisCalls):
    pass


class RedisClusterCallsTests(OneServerClusterRegistryTestCase, RedisCalls):
    """A Redis Cluster whose rooms' keys are in the prefix's slot."""


class RoomsApartCallsTests(RoomsApartRegistryTestCase, RedisCalls):
    """Each room in a slot of its own: the call key is one of the room's
    keys a rename's steps move."""
