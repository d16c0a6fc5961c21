"""A room's limit, voices and moderation against the Redis registry.

The same tests as ``tests/test_room_modes.py`` (see
``tests/room_modes_contract.py``) on a real redis-server: the limit is
checked by the ``join`` script and a moderated room's flag by ``say``.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.room_modes_contract import CONFIG, RoomModesContract


class RedisRoomModesTests(RedisRegistryTestCase, RoomModesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
