"""A room's limit, voices and moderation against the Redis registry.

The same tests as ``tests/backends/local/test_room_modes.py`` (see
``tests/backends/contracts/room_modes.py``) on a real redis-server: the limit is
checked by the ``join`` script and a moderated room's flag by ``say``.
"""

from __future__ import annotations

from tests.backends.contracts.room_modes import CONFIG, RoomModesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRoomModesTests(RedisRegistryTestCase, RoomModesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
