"""Big rooms' joins and parts against the Redis registry.

The same tests as ``tests/test_presence.py`` (see
``tests/presence_contract.py``), with the room's quiet members in a real
redis-server.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.presence_contract import CONFIG, PresenceContract


class RedisPresenceTests(RedisRegistryTestCase, PresenceContract):
    """Replies come once Redis has answered."""

    config = CONFIG
