"""--rooms-per-hour against the Redis registry.

The same tests as ``tests/backends/local/test_creation.py`` (see
``tests/backends/contracts/creation.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from tests.backends.contracts.creation import CONFIG, CreationContract
from tests.cluster.support import RedisRegistryTestCase


class RedisCreationTests(RedisRegistryTestCase, CreationContract):
    """Replies come once Redis has answered."""

    config = CONFIG
