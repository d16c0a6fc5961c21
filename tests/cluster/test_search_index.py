"""Cluster search's index in a real PostgreSQL, applied as nodes apply it.

A room's events are read from its history in Redis and applied by
:func:`chatroom.backends.redis.search_postgres.apply_rooms`; two nodes may
read the same room at once and apply in either order (each read before
the other committed): the index must change once per event, never undo a
newer read with an older one, and drop a room's rows when the room is
gone or made again. Private conversations come from the outbox
(:func:`~chatroom.backends.redis.search_postgres.apply`). Driven here
directly, on the session's PostgreSQL (``tests/cluster/postgres.py``), a
database per test.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.trial import unittest

from chatroom.backends.redis import search_postgres
from chatroom.backends.redis.search_postgres import NEW_ROOM, RoomCursor, RoomFeed
from chatroom.core.messages.search import parse_search
from chatroom.core.model import codec
from chatroom.core.model.events import (
    Edited,
    Message,
    PrivateMessage,
    PrivateRedacted,
    Redacted,
)
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, REQUIRED, session_postgres

STAMP = "2026-11-22T10:00:0{}.000Z"


def message(room: str, event_id: int, text: str) -> bytes:
    """``alice`` said ``text`` as message ``event_id``, as the history keeps it."""
    stamp = STAMP.format(event_id % 10)
    return codec.encode(Message(room, "alice", stamp, text, id=str(event_id)))


def edit(room: str, event_id: int, target: int, text: str) -> bytes:
    stamp = STAMP.format(event_id % 10)
    return codec.encode(
        Edited(room, str(target), "alice", stamp, text, id=str(event_id))
    )


def redaction(room: str, event_id: int, target: int) -> bytes:
    return codec.encode(Redacted(room, str(target), "alice", id=str(event_id)))


def history(inc: str, first: int, *events: bytes, start: int = 0) -> RoomFeed:
    """Room ``tea`` of incarnation ``inc`` keeps ``events`` from id
    ``first`` on; the read returns them from ``start`` (``first``) on."""
    start = start or first
    last = first + len(events) - 1
    return RoomFeed("tea", inc, first, last, start, events[start - first :])


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

    def apply(self, read_at: RoomCursor, feed: RoomFeed) -> RoomCursor:
        """``feed``, read when room ``tea``'s rows stood at ``read_at``,
        applied: where they stand now."""
        return search_postgres.apply_rooms(self.db, [(read_at, feed)])[feed.room]


class RoomCatchUpTests(IndexTestCase):
    """The room's cursor row decides what is new, whichever node applies."""

    def texts(self, words: str) -> list[str]:
        rows = search_postgres.search(self.db, ["tea"], parse_search(words), 50, None)
        return [row[4] for row in rows]

    def test_a_late_node_does_not_undo_an_edit(self) -> None:
        """A node that read the message before its edit, and applies after
        a node that read both, applies nothing: the edited text stays,
        found once (the history holds a message as it reads now)."""
        older = history("X", 1, message("tea", 1, "teh kettle"))
        newer = history(
            "X", 1, message("tea", 1, "the kettle"), edit("tea", 2, 1, "the kettle")
        )
        self.assertEqual(self.apply(NEW_ROOM, newer), ("X", 2))
        self.assertEqual(self.apply(NEW_ROOM, older), ("X", 2))
        self.assertEqual(self.texts("kettle"), ["the kettle"])
        self.assertEqual(self.texts("teh"), [])

    def test_an_older_read_applied_first_is_completed_not_repeated(self) -> None:
        """Two nodes read one room at once: the one that read less commits
        first; the other applies only the events after it (the redaction),
        so the redacted message is not found."""
        older = history("X", 1, message("tea", 1, "a secret"))
        newer = history(
            "X", 1, b"", redaction("tea", 2, 1), message("tea", 3, "no secret")
        )
        self.assertEqual(self.apply(NEW_ROOM, older), ("X", 1))
        self.assertEqual(self.texts("secret"), ["a secret"])
        self.assertEqual(self.apply(NEW_ROOM, newer), ("X", 3))
        self.assertEqual(self.texts("secret"), ["no secret"])
        self.assertEqual(self.apply(NEW_ROOM, older), ("X", 3))
        self.assertEqual(self.texts("secret"), ["no secret"])

    def test_a_room_made_again_drops_the_old_rooms_rows(self) -> None:
        """The room was deleted and made again under the same key (another
        incarnation, whose ids follow the old one's): the old room's rows
        go, the new one's come."""
        self.apply(NEW_ROOM, history("X", 1, message("tea", 1, "old cup")))
        made_again = history("Y", 2, message("tea", 2, "new cup"))
        self.assertEqual(self.apply(("X", 1), made_again), ("Y", 2))
        self.assertEqual(self.texts("cup"), ["new cup"])

    def test_a_read_of_another_incarnation_than_the_rows_is_read_again(
        self,
    ) -> None:
        """Rows moved by another node to an incarnation this read is not
        of: nothing is applied (which is newer cannot be told); the caller
        reads again from where they stand."""
        self.apply(NEW_ROOM, history("Y", 2, message("tea", 2, "new cup")))
        stale = history("X", 1, message("tea", 1, "old cup"))
        self.assertEqual(self.apply(NEW_ROOM, stale), ("Y", 2))
        self.assertEqual(self.texts("cup"), ["new cup"])

    def test_retention_and_a_dropped_room(self) -> None:
        """Rows below the first id the history keeps leave the index;
        events trimmed before they were applied are never indexed; a gone
        room's messages all go."""
        self.apply(
            NEW_ROOM,
            history("X", 1, *(message("tea", n, f"cup {n}") for n in (1, 2, 3))),
        )
        self.assertEqual(self.texts("cup"), ["cup 3", "cup 2", "cup 1"])
        kept = [message("tea", n, f"cup {n}") for n in range(3, 7)]
        self.assertEqual(
            self.apply(("X", 3), history("X", 3, *kept, start=4)), ("X", 6)
        )
        self.assertEqual(self.texts("cup"), ["cup 6", "cup 5", "cup 4", "cup 3"])
        trimmed = history("X", 9, message("tea", 9, "cup 9"))
        self.assertEqual(self.apply(("X", 6), trimmed), ("X", 9))
        self.assertEqual(self.texts("cup"), ["cup 9"])
        gone = RoomFeed("tea", "", 10, 9, 10)
        self.assertEqual(self.apply(("X", 9), gone), ("", 9))
        self.assertEqual(self.texts("cup"), [])

    def test_redis_gone_back_starts_the_room_over(self) -> None:
        """The history is behind the rows (Redis lost data; ``ROOM_FEED``
        read it from its first): the rows go and the history is indexed."""
        self.apply(
            NEW_ROOM,
            history("X", 1, message("tea", 1, "lost"), message("tea", 2, "cup")),
        )
        again = history("X", 1, message("tea", 1, "a cup again"))
        self.assertEqual(self.apply(("X", 2), again), ("X", 1))
        self.assertEqual(self.texts("cup"), ["a cup again"])

    def test_only_the_rooms_given_and_an_outbox_entry_of_a_room_is_skipped(
        self,
    ) -> None:
        """Rooms keep their rows apart; a room's entry left in the outbox by
        an older version changes nothing (its history is read instead)."""
        self.apply(NEW_ROOM, history("X", 1, message("tea", 1, "tea cup")))
        coffee = RoomFeed("coffee", "Z", 1, 1, 1, (message("coffee", 1, "coffee cup"),))
        search_postgres.apply_rooms(self.db, [(NEW_ROOM, coffee)])
        search_postgres.apply(
            self.db, [((1, 0), "", b""), ((2, 0), "", message("tea", 2, "x"))]
        )
        self.assertEqual(self.texts("cup"), ["tea cup"])
        self.assertEqual(
            search_postgres.room_cursors(self.db, ["tea", "coffee", "milk"]),
            {"tea": ("X", 1), "coffee": ("Z", 1), "milk": NEW_ROOM},
        )


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
                wrote(3, "bob carol", 1, "bob", "carol", "secret tea"),
                wrote(4, "alice bob", 2, "Bob", "Alice", "TEA at two"),
            ],
        )
        self.apply(NEW_ROOM, history("X", 2, message("tea", 2, "tea in the room")))
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
        search_postgres.apply(self.db, entries, conversation_kept=2)
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
        )
        self.assertEqual(self.found("bob", "note"), ["alice bob: note kept"])
