"""Cluster search's index in a real PostgreSQL, applied as nodes apply it.

Two nodes may drain the same outbox entries (each read them before the
other committed): :func:`chatroom.backends.redis.search_postgres.apply` must
change the index once per entry, in the outbox's order, whoever comes
second. Driven here directly, on the session's PostgreSQL
(``tests/cluster/postgres.py``), a database per test.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.trial import unittest

from chatroom.backends.redis import search_postgres
from chatroom.core import codec
from chatroom.core.events import Edited, Message, PrivateMessage, PrivateRedacted
from chatroom.core.search import parse_search
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, REQUIRED, session_postgres

STAMP = "2026-11-22T10:00:0{}.000Z"


def said(entry: int, room: str, event_id: int, text: str) -> search_postgres.Entry:
    """Outbox entry ``entry``: ``alice`` said ``text`` as message ``event_id``."""
    stamp = STAMP.format(event_id)
    message = Message(room, "alice", stamp, text, id=str(event_id))
    return (entry, 0), room, codec.encode(message)


def edited(entry: int, room: str, event_id: int, target: int, text: str):
    stamp = STAMP.format(event_id)
    edit = Edited(room, str(target), "alice", stamp, text, id=str(event_id))
    return (entry, 0), room, codec.encode(edit)


def wrote(
    entry: int, conversation: str, event_id: int, sender: str, recipient: str, text: str
) -> search_postgres.Entry:
    """Outbox entry ``entry``: ``sender`` wrote ``text`` to ``recipient`` as
    message ``event_id`` of private conversation ``conversation``, at
    second ``entry``."""
    stamp = STAMP.format(entry)
    message = PrivateMessage(sender, recipient, stamp, text, id=str(event_id))
    return (entry, 0), conversation, codec.encode(message)


class IndexTestCase(unittest.TestCase):
    """A fresh database of the session's PostgreSQL, with the schema."""

    if POSTGRES_BIN is None and not REQUIRED:
        skip = NO_POSTGRES

    def setUp(self) -> None:
        if POSTGRES_BIN is None:  # CI asked for these tests to run: fail, loudly
            self.fail(NO_POSTGRES)
        self.db = search_postgres.connect(session_postgres().new_database(), 5)
        self.addCleanup(self.db.close)


class AppliedOnceTests(IndexTestCase):
    """The cursor row decides what is new, whichever node applies."""

    def texts(self, words: str) -> list[str]:
        rows = search_postgres.search(self.db, ["tea"], parse_search(words), 50, None)
        return [row[4] for row in rows]

    def test_a_late_node_does_not_undo_an_edit(self) -> None:
        """A node that read the message before another applied it and its
        edit applies nothing: the edited text stays, found once."""
        message = said(1, "tea", 1, "teh kettle")
        first = search_postgres.apply(
            self.db, [message, edited(2, "tea", 2, 1, "the kettle")], 10
        )
        self.assertEqual(first, (2, 0))
        late = search_postgres.apply(self.db, [message], 10)
        self.assertEqual(late, (2, 0))
        self.assertEqual(self.texts("kettle"), ["the kettle"])
        self.assertEqual(self.texts("teh"), [])

    def test_retention_and_a_dropped_room(self) -> None:
        """Messages older than the room's newest ``kept`` events leave the
        index; a dropped room's messages all go."""
        search_postgres.apply(
            self.db, [said(n, "tea", n, f"cup {n}") for n in (1, 2, 3)], 2
        )
        self.assertEqual(self.texts("cup"), ["cup 3", "cup 2"])
        search_postgres.apply(self.db, [((4, 0), "tea", b"")], 2)
        self.assertEqual(self.texts("cup"), [])


class PrivateIndexTests(IndexTestCase):
    """Private conversations' messages: found by their two parties only."""

    def found(self, party: str, words: str, *conversations: str) -> list[str]:
        """``party``'s search, of room ``tea`` too unless narrowed to
        ``conversations`` (as ``in:@USER`` is): each hit's conversation (or
        room) and text."""
        query = replace(parse_search(words), party=party, conversations=conversations)
        rooms = [] if conversations else ["tea"]
        rows = search_postgres.search(self.db, rooms, query, 50, None)
        return [f"{row.conversation or row.room}: {row.text}" for row in rows]

    def test_only_the_parties_and_merged_with_rooms_by_time(self) -> None:
        """alice finds her conversation with bob and the room, newest first,
        never bob's with carol; bob narrowed to carol finds only that one;
        ``from:`` and ``before:`` apply to conversations too."""
        search_postgres.apply(
            self.db,
            [
                wrote(1, "alice bob", 1, "alice", "bob", "tea at one"),
                said(2, "tea", 2, "tea in the room"),
                wrote(3, "bob carol", 1, "bob", "carol", "secret tea"),
                wrote(4, "alice bob", 2, "Bob", "Alice", "TEA at two"),
            ],
            10,
        )
        self.assertEqual(
            self.found("alice", "tea"),
            ["alice bob: TEA at two", "tea: tea in the room", "alice bob: tea at one"],
        )
        self.assertEqual(
            self.found("bob", "tea", "bob carol"), ["bob carol: secret tea"]
        )
        self.assertEqual(self.found("carol", "at"), [])
        self.assertEqual(self.found("alice", "tea from:bob"), ["alice bob: TEA at two"])
        self.assertEqual(
            self.found("bob", f"tea before:{STAMP.format(4)}", "alice bob"),
            ["alice bob: tea at one"],
        )

    def test_a_conversation_keeps_its_newest(self) -> None:
        """Messages older than a conversation's newest ``conversation_kept``
        leave the index as they leave Redis; other conversations keep theirs."""
        entries = [
            wrote(n, "alice bob", n, "alice", "bob", f"note {n}") for n in (1, 2, 3)
        ]
        entries.append(wrote(4, "alice carol", 1, "alice", "carol", "note 4"))
        search_postgres.apply(self.db, entries, 10, conversation_kept=2)
        self.assertEqual(
            self.found("alice", "note"),
            ["alice carol: note 4", "alice bob: note 3", "alice bob: note 2"],
        )

    def test_a_deleted_message_leaves_the_index(self) -> None:
        """A private message's deletion (``REDACT`` of it, fed to the outbox
        by Redis's ``private-redact`` script) takes it out of the index;
        the conversation's other messages stay."""
        gone = PrivateRedacted("", "", "", "", "2")
        search_postgres.apply(
            self.db,
            [
                wrote(1, "alice bob", 1, "alice", "bob", "note kept"),
                wrote(2, "alice bob", 2, "alice", "bob", "note regretted"),
                ((3, 0), "alice bob", codec.encode(gone)),
            ],
            10,
        )
        self.assertEqual(self.found("bob", "note"), ["alice bob: note kept"])
