"""A user's own data against the in-process registry and its SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.rows import row_of
from chatroom.backends.local.store import SqliteStore
from chatroom.core.model.events import Message
from chatroom.core.policy.userdata import ANONYMISE, DELETED_USER, EXPORT_TTL, erased
from tests.backends.contracts.moderation import PASSWORD
from tests.backends.contracts.userdata import BASE, CONFIG, UserDataContract
from tests.support import chat_core, in_place, local_server


class LocalUserDataTests(UserDataContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.path = self.mktemp()
        self.store = SqliteStore(self.path, self.clock, in_place, CONFIG.retention)
        self.addCleanup(self.store.close)
        self.server = local_server(CONFIG, self.clock, self.store)

    def traces(self, account: str) -> defer.Deferred[list[str]]:
        """The rows of the file that are the account's or name it."""
        self.store.flush()
        db = sqlite3.connect(self.path)
        found = [
            f"{table}: {row}"
            for table, where in (
                ("accounts", "key = ?"),
                ("read_markers", "account = ?"),
                ("account_settings", "account = ?"),
                ("account_rooms", "account = ?"),
                ("kept_private", "account = ?"),
                ("private_messages", "sender = ? OR recipient = ?"),
                ("events", "user = ?"),
            )
            for row in db.execute(
                f"SELECT * FROM {table} WHERE {where}",
                (account,) * where.count("?"),
            )
        ]
        db.close()
        return defer.succeed(found)

    @defer.inlineCallbacks
    def test_the_link_lasts_ten_minutes(self) -> Generator[Any, Any, None]:
        """An export not taken within 600 s of the server's clock is gone."""
        alice = yield self.registered("alice")
        self.server.http_url = BASE
        alice.say("/export")
        line = yield self.expect(alice, "EXPORT ")
        token = line.rsplit("/", 1)[1]
        self.clock.advance(EXPORT_TTL)
        taken = yield defer.Deferred.fromCoroutine(
            self.server.registry.users.take_export(token)
        )
        self.assertIsNone(taken)

    @defer.inlineCallbacks
    def test_an_edit_memory_does_not_hold_is_never_set_back(
        self,
    ) -> Generator[Any, Any, None]:
        """A message's erasure decided on its text as read reaches the file
        after the message was edited there (past what memory holds, so the
        change's premise could not refuse it): the file keeps the edit and
        its author; the deletion, deciding again, anonymises it as edited."""
        alice, bob, _ = yield self.talked()
        core = chat_core(self.server)
        (tea,) = yield defer.ensureDeferred(
            core.backend.accounts.user_data.words("alice")
        )
        (said,) = [e for e in tea.events if isinstance(e, Message)]
        alice.say(f"/edit {said.id} alice says hi")
        yield self.expect(bob, "MSG tea alice")
        anonymised = erased(said, ANONYMISE)
        assert anonymised is not None
        self.store.replace_event("tea", row_of(anonymised), row_of(said))
        self.assertEqual(self.rows(said.id), [("alice", "alice says hi")])
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE")
        self.assertEqual(self.rows(said.id), [(DELETED_USER, "alice says hi")])

    def rows(self, event_id: str) -> list[tuple[str, str]]:
        """Who said message ``event_id`` of tea and what, as the file has it."""
        self.store.flush()
        db = sqlite3.connect(self.path)
        found = db.execute(
            "SELECT user, text FROM events WHERE room = 'tea' AND id = ?",
            (int(event_id),),
        ).fetchall()
        db.close()
        return found
