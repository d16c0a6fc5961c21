"""Accounts and server bans a cluster stored before name keys had UTS #39
skeletons, brought up to today's keys in a real redis-server."""

from __future__ import annotations

from twisted.internet import defer

from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.core.accounts.accounts import Account, registering
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import AddBan, ServerBanList
from chatroom.core.model.config import ServerConfig
from tests.cluster.support import RedisRegistryTestCase


class RedisRekeyTests(RedisRegistryTestCase):
    config = ServerConfig()

    @defer.inlineCallbacks
    def test_old_keys_move_to_todays(self):
        """``a1ice`` moves to ``alice`` (and signs in by either spelling);
        ``b0b`` stays where it is because ``bob`` holds its new key; a
        server ban moves with its mask; a second run moves nothing."""
        accounts = RedisAccounts(self.registry.backend.calls)
        for key, name in (("a1ice", "A1ice"), ("bob", "bob"), ("b0b", "b0b")):
            made = registering(None, Account(key, name, "hash"))
            yield defer.ensureDeferred(accounts.apply(made))
        ban = DecidedChange(ServerBanList(), (), (AddBan("account:ma11ory", ""),))
        yield defer.ensureDeferred(self.registry.backend.apply(ban))
        moved = yield defer.ensureDeferred(accounts.rekey())
        self.assertEqual(moved, 2)
        alice = yield defer.ensureDeferred(accounts.get("alice"))
        self.assertEqual(alice, Account("alice", "A1ice", "hash"))
        self.assertIsNone((yield defer.ensureDeferred(accounts.get("a1ice"))))
        stayed = yield defer.ensureDeferred(accounts.get("b0b"))
        self.assertEqual(stayed.name, "b0b")
        bans = yield defer.ensureDeferred(accounts.server_bans())
        self.assertEqual(bans, ["account:mallory"])
        self.assertEqual((yield defer.ensureDeferred(accounts.rekey())), 0)
