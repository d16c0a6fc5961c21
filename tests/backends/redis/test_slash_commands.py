"""Outgoing slash commands (issue 82) on a real redis-server: the
contract, the command store in each layout, and a command added on one
node listed and refused on another."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.model.config import ClusterConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.registries import redis_registry
from chatroom.wiring.slashcalls import SlashCaller
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.slash_commands import (
    URL,
    CommandStoreContract,
    SlashCommandContract,
)
from tests.cluster.redis_cluster import RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class RedisRegistrySlashCommandTests(RedisRegistryTestCase, SlashCommandContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_a_command_added_on_one_node_is_the_rooms_on_another(
        self,
    ) -> Generator[Any, Any, None]:
        """Another node of the cluster reads the command alice added (its
        token the same). The room keeps it as the JSON of its fields."""
        self.calling()
        (alice,) = yield self.in_room("tea", "alice")
        alice.say(f"/command add weather {URL}")
        line = yield self.expect(alice, "COMMAND ")
        cluster = ClusterConfig(RedisAddress.parse(self.redis_url), node_id="other")
        guard = OutboundGuard(reactor, OutboundPolicy())
        other = redis_registry(
            self.config, cluster, reactor, call_command=SlashCaller(guard)
        )
        server = DoorHub(self.config, clock=reactor, registry=other)
        server.start()
        self.addCleanup(other.detach)
        self.addCleanup(server.stop)
        yield other.backend.when_available()
        kept = yield defer.Deferred.fromCoroutine(
            other.backend.rooms.commands.of_room("tea")
        )
        self.assertEqual([f"COMMAND {c.name} {c.url} {c.token}" for c in kept], [line])
        connection = redis_backend(self.server).commands.connection
        stored = yield connection.execute_command(
            "HGET", "chatroom:commands:tea", "weather"
        )
        self.assertTrue(stored.startswith(b"{"), stored)
        self.assertIn(b'"url":"http:\\/\\/93.184.216.34\\/weather"', stored)


class RedisCommandStoreTests(RedisRegistryTestCase, CommandStoreContract):
    """The commands in Redis."""

    config = CONFIG

    def backend(self) -> Any:
        return redis_backend(self.server)


class RoomsApartSlashCommandTests(RoomsApartRegistryTestCase, SlashCommandContract):
    """Each room in a slot of its own: its commands there too, moved by a
    rename's steps and gone with the room."""

    config = CONFIG
