"""Reactions, typing and the moderation log (issue 22) on a real redis-server."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import messages
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.reaction import REACTION_CONFIG, ReactionContract
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient, redis_backend


class RedisRegistryReactionTests(RedisRegistryTestCase, ReactionContract):
    """Replies come once Redis has answered."""

    config = REACTION_CONFIG


class RedisReactionStateTests(RedisRegistryTestCase, ContractBase):
    """Who reacted with what stays bounded in Redis."""

    config = REACTION_CONFIG

    @defer.inlineCallbacks
    def test_reactions_to_messages_no_longer_kept_are_pruned(
        self,
    ) -> Generator[Any, Any, None]:
        """Once the room keeps only its last 50 events, the reactions to the
        messages that went leave Redis too (every few changes); reacting
        goes on working."""
        self.patch(messages, "PRUNE_EVERY", 5)
        alice = User(FakeClient(self.server))
        alice.say("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        for number in range(60):
            alice.say(f"message {number}")
            alice.say(f"/react {number + 1 + number} x")  # its own id: 2n+1
        alice.say("/caps rich")
        yield self.expect(alice, "CAPS ")
        alice.say("last")
        last = ""
        while not last.endswith(" last"):  # events said before may come first
            last = yield self.expect(alice, "@")
        newest = int(last.split()[0][1:])  # 121: 60 messages, 60 reactions
        self.assertEqual(newest, 121)
        alice.say(f"/react {newest} y")
        yield self.expect(alice, "@122 ")
        connection = redis_backend(self.server).commands.connection
        fields = yield connection.execute_command("HKEYS", "chatroom:reactions:tea")
        reacted = {int(field.split()[0]) for field in fields if field[:1] != b"#"}
        self.assertTrue(reacted, fields)
        self.assertGreaterEqual(min(reacted), newest - 60)


class RedisModerationLogTests(RedisRegistryTestCase, ContractBase):
    """A room's moderation log in Redis is kept in the cluster's encoding."""

    config = REACTION_CONFIG

    @defer.inlineCallbacks
    def test_entries_are_encoded_and_old_lines_skipped(
        self,
    ) -> Generator[Any, Any, None]:
        """An entry is kept as the codec's JSON, never a line to parse
        back; an entry an older version kept as a line is skipped (and
        logged), and ``/modlog`` shows the rest."""
        alice, _bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/kick bob be nice")
        yield self.expect(alice, "KICK tea bob")
        alice.say("/modlog")  # its reply comes once the entry is kept
        yield self.expect(alice, "MODLOG_END tea 1")
        connection = redis_backend(self.server).commands.connection
        kept = yield connection.execute_command("LRANGE", "chatroom:modlog:tea", 0, -1)
        self.assertEqual(len(kept), 1, kept)
        self.assertTrue(kept[0].startswith(b'{"type":"ModEntry"'), kept)
        old = "2026-01-01T00:00:00.000Z alice ban name:carol -"
        yield connection.execute_command("LPUSH", "chatroom:modlog:tea", old)
        alice.say("/modlog")
        entry = yield self.expect(alice, "MODLOG ")
        self.assertEqual(entry.split(" ", 6)[3:], ["alice", "kick", "bob", "be nice"])
        self.assertEqual((yield self.expect(alice, "MODLOG")), "MODLOG_END tea 1")
