"""Bot accounts against the in-process back-end on a SQLite file
(``tests/backends/contracts/bots.py``)."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.bots import BotsContract
from tests.support import in_place, local_server


class LocalBotsTests(BotsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line; a restart
    is a second server on the same file."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        self.server = self.started()

    def started(self) -> DoorHub:
        store = SqliteStore(self.path, self.clock, in_place, CONFIG.retention)
        self.addCleanup(store.db.close)
        return local_server(CONFIG, self.clock, store)

    def restarted(self) -> defer.Deferred[DoorHub]:
        self.clock.advance(FLUSH_INTERVAL)  # what is written is flushed
        return defer.succeed(self.started())
