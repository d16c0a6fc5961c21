"""The Matrix bridge with the in-process registry, and its ledger across a
restart on the ``--db`` file."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.bridging.store import EVENTS, PORTALS, SEEN_SECONDS
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from tests.backends.contracts.bridge import BridgeContract, BridgeLifeContract
from tests.backends.contracts.handler import CONFIG
from tests.support import chat_core, in_place, local_server


class LocalRegistryBridgeTests(BridgeContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class LocalRegistryBridgeLifeTests(BridgeLifeContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class BridgeLedgerStoreTests(unittest.TestCase):
    """The ledger is kept in the ``--db`` file; a day's notes run out."""

    def test_notes_survive_a_restart_and_run_out(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = Clock()
        clock.advance(1_795_000_000)

        def start():  # a server on the file, its ledger
            clock.advance(FLUSH_INTERVAL)
            store = SqliteStore(path, clock, in_place, CONFIG.retention)
            self.addCleanup(store.db.close)
            return chat_core(local_server(CONFIG, clock, store)).backend

        backend = start()
        notes = (
            Note(EVENTS, "$e1", "tea", SEEN_SECONDS),
            Note(PORTALS, "tea", "!room:localhost", 0),
        )
        change = DecidedChange(
            BridgeLedger(), (Unnoted(EVENTS, "$e1"), Unnoted(PORTALS, "tea")), notes
        )
        self.successResultOf(defer.ensureDeferred(backend.apply(change)))
        backend = start()
        noted = backend.bridge.noted
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(noted(EVENTS, "$e1"))), "tea"
        )
        clock.advance(SEEN_SECONDS + 1)
        self.assertIsNone(
            self.successResultOf(defer.ensureDeferred(noted(EVENTS, "$e1")))
        )
        backend = start()
        self.assertIsNone(
            self.successResultOf(
                defer.ensureDeferred(backend.bridge.noted(EVENTS, "$e1"))
            )
        )
        self.assertEqual(
            self.successResultOf(
                defer.ensureDeferred(backend.bridge.noted(PORTALS, "tea"))
            ),
            "!room:localhost",
        )
