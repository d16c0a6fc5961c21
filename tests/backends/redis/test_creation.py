"""--rooms-per-hour against the Redis registry.

The same tests as ``tests/test_creation.py`` (see
``tests/creation_contract.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.creation_contract import CONFIG, CreationContract


class RedisCreationTests(RedisRegistryTestCase, CreationContract):
    """Replies come once Redis has answered."""

    config = CONFIG
