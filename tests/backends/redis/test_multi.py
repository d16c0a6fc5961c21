"""Many rooms and read markers against the Redis registry.

The same tests as ``tests/backends/local/test_multi.py`` (see
``tests/backends/contracts/multi.py``), with names, rooms and accounts' read
markers in a real redis-server.
"""

from __future__ import annotations

from tests.backends.contracts.multi import CONFIG, MultiContract
from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisMultiTests(RedisRegistryTestCase, MultiContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterMultiTests(OneServerClusterRegistryTestCase, MultiContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
