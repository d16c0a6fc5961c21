"""Many rooms and read markers against the Redis registry.

The same tests as ``tests/test_multi.py`` (see ``tests/multi_contract.py``),
with names, rooms and accounts' read markers in a real redis-server.
"""

from __future__ import annotations

from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.multi_contract import CONFIG, MultiContract


class RedisMultiTests(RedisRegistryTestCase, MultiContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterMultiTests(OneServerClusterRegistryTestCase, MultiContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
