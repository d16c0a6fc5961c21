"""The command-handler contract against the Redis registry (a real redis-server).

The same tests as ``tests/backends/local/test_handlers.py`` (see
``tests/backends/contracts/handler.py``), with the server's registry in Redis: what
users see must not depend on where names and rooms live; and again on a
Redis Cluster, where a script touching keys of two slots is refused.
"""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG, HandlerContract
from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryHandlerTests(RedisRegistryTestCase, HandlerContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterHandlerTests(OneServerClusterRegistryTestCase, HandlerContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG
