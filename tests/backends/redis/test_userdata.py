"""A user's own data against the Redis registry.

The same tests as ``tests/backends/local/test_userdata.py`` (see
``tests/backends/contracts/userdata.py``), with the account's data in a real
redis-server, inspected key by key.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.policy.userdata import EXPORT_TTL, kept_export
from tests.backends.contracts.userdata import CONFIG, UserDataContract
from tests.cluster.support import RedisRegistryTestCase


class RedisUserDataTests(RedisRegistryTestCase, UserDataContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def traces(self, account: str) -> Any:
        """Every key naming the account, and its entry in the accounts hash
        and in the private conversations' ids, once this node's release of
        the name is done (its session's end is several steps, after
        ``BYE``: :mod:`chatroom.backends.redis.endings`)."""
        endings = self.registry.backend.endings
        yield defer.Deferred.fromCoroutine(endings.released(account))
        redis = self.registry.backend.calls.commands.connection
        keys = yield redis.keys(f"*{account}*")
        found = sorted(k.decode() if isinstance(k, bytes) else k for k in keys)
        registered = yield redis.hexists(
            f"{self.registry.backend.cluster.prefix}accounts", account
        )
        if registered:
            found.append("accounts hash")
        return found

    @defer.inlineCallbacks
    def test_an_export_waits_in_redis_for_ten_minutes(self) -> Any:
        """Any node finds an export in Redis, with an expiry of 600 s; once
        the core's clock says its time is over, it is not handed out."""
        backend = self.registry.backend
        now = reactor.seconds()
        yield defer.Deferred.fromCoroutine(
            backend.apply(kept_export("tok", b"{}", now + EXPORT_TTL))
        )
        redis = backend.calls.commands.connection
        ttl = yield redis.ttl(f"{backend.cluster.prefix}export:tok")
        self.assertTrue(EXPORT_TTL - 5 <= ttl <= EXPORT_TTL + 1, ttl)
        read = yield defer.Deferred.fromCoroutine(
            backend.accounts.user_data.export("tok")
        )
        self.assertEqual(read, (b"{}", now + EXPORT_TTL))
