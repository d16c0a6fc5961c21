"""The Matrix bridge with the in-process registry, and its ledger across a
restart on the ``--db`` file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from dataclasses import replace
from typing import Any, cast

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.bridging.appservice import MatrixBridge
from chatroom.core.bridging.store import EVENTS, FROM_MATRIX, PORTALS, SEEN_SECONDS
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.errors import ChatError
from chatroom.wiring.composition import compose_bridge
from tests.backends.contracts.bridge import (
    ALIAS,
    BridgeContract,
    BridgeFailures,
    BridgeLifeContract,
    notes_a_matrix_event,
)
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.matrix.fake_homeserver import SETTINGS, FakeHomeserver, message
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


class KilledBeforeTheNoteTests(BridgeFailures, ContractBase, unittest.TestCase):
    """A server on a ``--db`` file killed after a Matrix message was said
    and kept, before the ledger noted it; started again on the file, the
    homeserver's retry says nothing again."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        self.clock.advance(1_795_000_000)
        self.homeserver = FakeHomeserver()

    def start(self) -> MatrixBridge:
        """A server on the file (tea one of its rooms), and its bridge."""
        store = SqliteStore(self.path, self.clock, in_place, CONFIG.retention)
        self.addCleanup(store.db.close)
        self.server = local_server(replace(CONFIG, rooms=("tea",)), self.clock, store)
        core = chat_core(self.server)
        return compose_bridge(SETTINGS, cast(Any, core), self.homeserver)

    @defer.inlineCallbacks
    def test_said_once_across_the_kill(self) -> Generator[Any, Any, None]:
        bridge = self.start()
        alice = yield self.connect("alice")
        alice.say("/caps rich")
        yield self.expect(alice, "CAPS")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea")
        self.assertTrue((yield defer.ensureDeferred(bridge.room_query(ALIAS))))
        self.store_away_once(bridge, notes_a_matrix_event)
        events = [message("$s1", "said once")]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(bridge.transaction("t1", events))
        yield self.heard(alice, " said once")
        self.clock.advance(FLUSH_INTERVAL)  # kept in the file; then killed

        again = self.start()  # on the same file, past the claim's second
        yield self.claims_run_out()
        yield defer.ensureDeferred(again.transaction("t1", events))
        bob = yield self.connect("bob")
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea")
        lines = yield self.history(bob)
        said = [x for x in lines if x.endswith(" said once")]
        self.assertEqual(len(said), 1, lines)
        noted = yield defer.ensureDeferred(again.ledger.noted(FROM_MATRIX, "$s1"))
        self.assertEqual(noted, f"tea {said[0].split(';')[0][1:]}")
