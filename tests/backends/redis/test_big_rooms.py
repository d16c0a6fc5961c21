"""Big rooms' joins and parts against the Redis registry.

The same tests as ``tests/backends/local/test_big_rooms.py`` (see
``tests/backends/contracts/big_rooms.py``), with the room's quiet members in a real
redis-server.
"""

from __future__ import annotations

from tests.backends.contracts.big_rooms import CONFIG, BigRoomsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisBigRoomsTests(RedisRegistryTestCase, BigRoomsContract):
    """Replies come once Redis has answered."""

    config = CONFIG
