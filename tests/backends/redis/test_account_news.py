"""Account news for IRC clients against the Redis registry.

The same tests as ``tests/test_account_news.py`` (see
``tests/account_contract.py``), with sessions and rooms in a real
redis-server.
"""

from __future__ import annotations

from tests.account_contract import CONFIG, AccountNewsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisAccountNewsTests(RedisRegistryTestCase, AccountNewsContract):
    """Replies come once Redis has answered."""

    config = CONFIG
