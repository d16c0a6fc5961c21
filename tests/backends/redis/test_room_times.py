"""Room and topic times at the IRC door against the Redis registry.

The same tests as ``tests/backends/local/test_room_times.py`` (see
``tests/backends/contracts/room_times.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.room_times import CONFIG, RoomTimesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRoomTimesTests(RedisRegistryTestCase, RoomTimesContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisPermanentRoomTimeTests(RedisRegistryTestCase):
    """A permanent room is made by the node that starts first: at a time."""

    config = replace(CONFIG, rooms=("general",))

    @defer.inlineCallbacks
    def test_permanent_room_has_its_creation_time(
        self,
    ) -> Generator[Any, Any, None]:
        """``#general`` (``--rooms``), made when the node joined the
        cluster, has a creation time (IRC's ``329``), not an unknown one."""
        details = yield defer.ensureDeferred(
            self.server.registry.rooms.room_details("general")
        )
        self.assertGreater(details.created_at, 0)
        self.assertLessEqual(details.created_at, self.server.clock.seconds())
