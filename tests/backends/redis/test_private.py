"""Offline private messages and conversations against the Redis registry.

The same tests as ``tests/backends/local/test_private.py`` (see
``tests/backends/contracts/private.py``), with conversations and kept
messages in a real redis-server.
"""

from __future__ import annotations

from tests.backends.contracts.private import CONFIG, PrivateContract
from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisPrivateTests(RedisRegistryTestCase, PrivateContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterPrivateTests(OneServerClusterRegistryTestCase, PrivateContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
