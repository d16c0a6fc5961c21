"""Room and topic times at the IRC door against the Redis registry.

The same tests as ``tests/test_room_times.py`` (see
``tests/room_times_contract.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.room_times_contract import CONFIG, RoomTimesContract


class RedisRoomTimesTests(RedisRegistryTestCase, RoomTimesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
