"""Outgoing slash commands (issue 82) with the in-process registry: the
contract, the command store, and what the ``--db`` file keeps across a
restart."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.slash_commands import SlashCommand
from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.slashcalls import SlashCaller
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.slash_commands import (
    URL,
    CommandStoreContract,
    SlashCommandContract,
    added,
    removed,
)
from tests.support import (
    FakeClient,
    StoreFileTestCase,
    chat_core,
    local_backend,
    local_server,
)


class LocalRegistrySlashCommandTests(SlashCommandContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())


class LocalCommandStoreTests(CommandStoreContract, unittest.TestCase):
    """The commands in this process's memory."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())

    def backend(self) -> Any:
        return local_backend(self.server)


class CommandsAcrossRestartsTests(StoreFileTestCase):
    """Commands are kept in the ``--db`` file, with their room."""

    def start(self) -> DoorHub:
        server = super().start()
        chat_core(server).slash_commands.caller = SlashCaller(
            OutboundGuard(reactor, OutboundPolicy())
        )
        return server

    def test_commands_survive_a_restart(self) -> None:
        """After a crash, ``/command list`` shows the command kept (its
        token unchanged); one removed before stays removed."""
        alice = FakeClient(self.start())
        for line in (
            "alice",
            "/create tea",
            f"/command add weather {URL}",
            f"/command add deploy {URL}",
            "/command remove deploy",
        ):
            alice.send(line)
        (weather,) = [x for x in alice.received() if x.startswith("COMMAND weather ")]
        alice = FakeClient(self.start())
        for line in ("alice", "/join tea", "/command list"):
            alice.send(line)
        self.assertEqual(
            [x for x in alice.received() if x.startswith("COMMAND")],
            [weather, "COMMANDS_END tea 1"],
        )

    def test_the_store_keeps_each_field(self) -> None:
        """What the back-end applied is what it reads back after a restart."""
        server = self.start()
        FakeClient(server).send("alice")
        alice = FakeClient(server)
        for line in ("bob", "/create tea"):
            alice.send(line)
        command = SlashCommand("Weather", URL, "t" * 32, "bob")
        backend = local_backend(server)
        self.successResultOf(
            defer.Deferred.fromCoroutine(backend.apply(added("tea", command)))
        )
        self.successResultOf(
            defer.Deferred.fromCoroutine(
                backend.apply(added("tea", SlashCommand("x", URL, "u", "bob")))
            )
        )
        self.successResultOf(
            defer.Deferred.fromCoroutine(backend.apply(removed("tea", "X")))
        )
        later = self.start()
        kept = self.successResultOf(
            defer.Deferred.fromCoroutine(
                local_backend(later).rooms.commands.of_room("tea")
            )
        )
        self.assertEqual(kept, [command])
