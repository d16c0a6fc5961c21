"""Tags-only messages kept and played back, against the Redis registry.

The same tests as ``tests/test_tag_history.py`` (see
``tests/tag_history_contract.py``), with rooms and their histories in a
real redis-server (the ``KEEP`` script).
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.tag_history_contract import CONFIG, TagHistoryContract


class RedisTagHistoryTests(RedisRegistryTestCase, TagHistoryContract):
    """Replies come once Redis has answered."""

    config = CONFIG
