"""Offline private messages and conversations against the Redis registry.

The same tests as ``tests/test_private.py`` (see ``tests/private_contract.py``),
with conversations and kept messages in a real redis-server.
"""

from __future__ import annotations

from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.private_contract import CONFIG, PrivateContract


class RedisPrivateTests(RedisRegistryTestCase, PrivateContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterPrivateTests(OneServerClusterRegistryTestCase, PrivateContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
