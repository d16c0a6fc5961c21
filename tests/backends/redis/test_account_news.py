"""Account news for IRC clients against the Redis registry.

The same tests as ``tests/backends/local/test_account_news.py`` (see
``tests/backends/contracts/account.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from tests.backends.contracts.account import CONFIG, AccountNewsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisAccountNewsTests(RedisRegistryTestCase, AccountNewsContract):
    """Replies come once Redis has answered."""

    config = CONFIG
