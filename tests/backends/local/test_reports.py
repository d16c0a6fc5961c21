"""Reports of messages with the in-process registry, and across a restart."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from tests.backends.contracts.moderation import CONFIG
from tests.backends.contracts.reports import ReportsContract
from tests.support import FakeClient, in_place, local_server


class LocalRegistryReportsTests(ReportsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class ReportsStoreTests(unittest.TestCase):
    """Reports are kept in the ``--db`` file: open ones are still in the
    queue after a restart, and a closed one is not filed again."""

    def test_reports_survive_a_restart(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = Clock()

        def start() -> FakeClient:
            clock.advance(FLUSH_INTERVAL)
            store = SqliteStore(path, clock, in_place, CONFIG.retention)
            self.addCleanup(store.db.close)
            return FakeClient(local_server(CONFIG, clock, store))

        alice = start()
        for line in ("alice", "/create tea", "/set keep on", "one", "two"):
            alice.send(line)
        for line in ("/report 1 first", "/report 2 second", "/report close 1 done"):
            alice.send(line)
        alice = start()
        for line in ("alice", "/join tea", "/report 1 again", "/reports"):
            alice.send(line)
        lines = alice.received()
        self.assertTrue(
            any(line.startswith("ERR BAD_ARGS you reported") for line in lines), lines
        )
        self.assertEqual(
            lines[-3:-1], ["REPORT 2 tea 2 alice second", "REPORT_TEXT 2 alice two"]
        )
        self.assertEqual(lines[-1], "REPORTS_END 1")
