"""A room's metadata against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.room_metadata import RoomMetadataContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRoomMetadataTests(RedisRegistryTestCase, RoomMetadataContract):
    config = CONFIG
