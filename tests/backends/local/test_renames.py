"""Renamed rooms with the in-process registry, across a restart and after the grace."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.renames import RenamesContract
from tests.support import FakeClient, in_place, local_server


class LocalRegistryRenamesTests(RenamesContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class RenamesStoreTests(unittest.TestCase):
    """A rename is kept in the ``--db`` file, and its old name frees up."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        self.config = ServerConfig(rate=0, rename_grace=600)

    def server(self) -> DoorHub:
        """A server on the file (the last one's writes flushed)."""
        self.clock.advance(FLUSH_INTERVAL)
        store = SqliteStore(self.path, self.clock, in_place, self.config.retention)
        self.addCleanup(store.db.close)
        return local_server(self.config, self.clock, store)

    def start(self) -> FakeClient:
        server = self.server()
        server.webhook_base = "https://chat.example"
        return FakeClient(server)

    def test_a_rename_survives_a_restart(self) -> None:
        """After a restart chai has tea's history, pins, webhook,
        notification level and search; the old name still leads there."""
        alice = self.start()
        for line in (
            "alice",
            f"/register {PASSWORD}",
            "/create tea",
            "/set keep on",
            "rules: be kind",
            "/pin 1",
            "/notify tea none",
            "/webhook add deploys",
            "/rename chai",
        ):
            alice.send(line)
        self.assertIn("RENAMED tea chai alice", alice.received())
        alice = self.start()
        for line in (
            f"/login alice {PASSWORD}",
            "/caps rich",
            "/join tea",
            "/pins",
            "/notify chai",
            "/webhook list",
            "/search kind",
        ):
            alice.send(line)
        lines = alice.received()
        self.assertIn("JOINED chai 1 256", lines)
        self.assertIn("PINS chai 1", lines)
        self.assertTrue(any(x.startswith("PINNED chai 1 alice ") for x in lines), lines)
        self.assertIn("NOTIFY chai none", lines)
        self.assertIn("WEBHOOKS_END chai 1", lines)
        self.assertTrue(any(x.startswith("FOUND chai ") for x in lines), lines)

    def test_after_the_grace_the_old_name_is_free(self) -> None:
        """Past ``--rename-grace`` a ``/join tea`` finds no room, and tea
        can be made anew, apart from chai."""
        server = self.server()
        alice, bob = FakeClient(server), FakeClient(server)
        for line in ("alice", "/create tea", "/rename chai"):
            alice.send(line)
        bob.send("bob")
        self.clock.advance(601)
        bob.send("/join tea")
        self.assertTrue(bob.received()[-1].startswith("ERR NO_SUCH_ROOM "))
        bob.send("/create tea")
        self.assertIn("MEMBERS tea bob", bob.received())
