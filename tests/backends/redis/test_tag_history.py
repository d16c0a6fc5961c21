"""Tags-only messages kept and played back, against the Redis registry.

The same tests as ``tests/backends/local/test_tag_history.py`` (see
``tests/backends/contracts/tag_history.py``), with rooms and their histories in a
real redis-server (the ``KEEP`` script).
"""

from __future__ import annotations

from tests.backends.contracts.tag_history import CONFIG, TagHistoryContract
from tests.cluster.support import RedisRegistryTestCase


class RedisTagHistoryTests(RedisRegistryTestCase, TagHistoryContract):
    """Replies come once Redis has answered."""

    config = CONFIG
