"""Threads against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.threads import THREADS_CONFIG, ThreadsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryThreadsTests(RedisRegistryTestCase, ThreadsContract):
    """Replies come once Redis has answered."""

    config = THREADS_CONFIG
