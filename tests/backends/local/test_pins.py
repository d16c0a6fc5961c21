"""Pinned messages with the in-process registry, and across a restart."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.pins import PinsContract
from tests.support import FakeClient, in_place, local_server


class LocalRegistryPinsTests(PinsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class PinsStoreTests(unittest.TestCase):
    """Pins are kept in the ``--db`` file, and go with their room."""

    def test_pins_survive_a_restart_and_go_with_the_room(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = Clock()
        config = ServerConfig(rate=0)

        def start() -> FakeClient:
            clock.advance(FLUSH_INTERVAL)
            store = SqliteStore(path, clock, in_place, config.retention)
            self.addCleanup(store.db.close)
            return FakeClient(local_server(config, clock, store))

        alice = start()
        for line in ("alice", "/create tea", "/set keep on", "rules", "/pin 1"):
            alice.send(line)
        alice = start()
        for line in ("alice", "/caps rich", "/join tea", "/pins"):
            alice.send(line)
        lines = alice.received()
        self.assertIn("PINS tea 1", lines)
        self.assertRegex(lines[-2], r"^PINNED tea 1 alice \S+ rules$")
        self.assertEqual(lines[-1], "PINS_END tea 1")
