"""An account's ignore list kept across a restart (``--db``), and what
the restarted server leaves out for it (:mod:`chatroom.core.infra.ignoring`)."""

from __future__ import annotations

import os

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from tests.support import FakeClient, in_place, local_server

CONFIG = ServerConfig(rate=0)
PASSWORD = "horse-battery-staple"


class RestartTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.path = os.path.join(self.mktemp() + "-dir", "chat.sqlite3")
        os.makedirs(os.path.dirname(self.path))

    def started(self) -> DoorHub:
        self.clock.advance(FLUSH_INTERVAL)  # what was pending is written
        store = SqliteStore(self.path, self.clock, in_place, 50)
        self.addCleanup(store.db.close)
        return local_server(CONFIG, self.clock, store)

    def signed_in(self, server: DoorHub, command: str) -> FakeClient:
        """alice, signed in by ``command``, in general."""
        alice = FakeClient(server)
        alice.send(command)
        alice.send("/join general")
        alice.received()
        return alice

    def test_the_list_holds_across_a_restart(self) -> None:
        """alice ignores mallory and unignores bob; after a restart her
        list is the same, mallory's message and private message do not
        reach her, and bob's do."""
        server = self.started()
        alice = self.signed_in(server, f"/register alice {PASSWORD}")
        for command in ("/ignore mallory", "/ignore bob", "/unignore bob"):
            alice.send(command)
        self.assertEqual(
            alice.received(), ["IGNORED mallory", "IGNORED bob", "UNIGNORED bob"]
        )
        server.stop()
        restarted = self.started()
        alice = self.signed_in(restarted, f"/login alice {PASSWORD}")
        alice.send("/ignores")
        self.assertEqual(alice.received(), ["IGNORES mallory"])
        for name in ("mallory", "bob"):
            sender = FakeClient(restarted)
            sender.send(name)
            sender.send("/join general")
            sender.send(f"hello from {name}")
            sender.send(f"/msg alice psst from {name}")
            self.assertFalse([x for x in sender.received() if x.startswith("ERR")])
        heard = [x for x in alice.received() if x.startswith(("MSG", "PRIVMSG"))]
        self.assertEqual(
            [" ".join(x.split()[:3]) for x in heard],
            ["MSG general bob", "PRIVMSG bob alice"],
        )
