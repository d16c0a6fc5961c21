"""The accounts and moderation contract against the Redis registry.

The same tests as ``tests/test_moderation.py`` (see
``tests/moderation_contract.py``), with accounts, bans, room policies and
sessions in a real redis-server: what users see must not depend on where
they are kept.
"""

from __future__ import annotations

from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.moderation_contract import CONFIG, ModerationContract


class RedisModerationTests(RedisRegistryTestCase, ModerationContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterModerationTests(OneServerClusterRegistryTestCase, ModerationContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
