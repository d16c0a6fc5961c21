"""A user's own data against the Redis registry.

The same tests as ``tests/test_userdata.py`` (see
``tests/userdata_contract.py``), with the account's data in a real
redis-server, inspected key by key.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.cluster.support import RedisRegistryTestCase
from tests.userdata_contract import CONFIG, UserDataContract


class RedisUserDataTests(RedisRegistryTestCase, UserDataContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def traces(self, account: str) -> Any:
        """Every key naming the account, and its entry in the accounts hash
        and in the private conversations' ids."""
        redis = self.registry.backend.calls.commands.connection
        keys = yield redis.keys(f"*{account}*")
        found = sorted(k.decode() if isinstance(k, bytes) else k for k in keys)
        registered = yield redis.hexists(
            f"{self.registry.backend.cluster.prefix}accounts", account
        )
        if registered:
            found.append("accounts hash")
        return found
