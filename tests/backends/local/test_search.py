"""``/search`` with the in-process registry: both stores, filters by time,
the index across restarts and retention, and an older file's migration."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.dbfile import open_database
from chatroom.backends.local.search import prepare
from chatroom.backends.local.search import search as search_index
from chatroom.backends.local.search_memory import MemoryIndex
from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.search import SearchQuery, parse_search
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.search import SEARCH_CONFIG, PrivateSearchContract
from tests.support import FakeClient, in_place, local_server

DAY = 86_400.0


def temporary_path(case: unittest.TestCase) -> str:
    directory = tempfile.mkdtemp()
    case.addCleanup(shutil.rmtree, directory)
    return os.path.join(directory, "chat.sqlite3")


def file_server(
    case: unittest.TestCase, path: str, clock: Clock, config: ServerConfig
) -> DoorHub:
    """A server on the SQLite file ``path``, its writer and searches in place."""
    store = SqliteStore(path, clock, in_place, config.retention)
    case.addCleanup(store.searcher._close)
    case.addCleanup(store.db.close)
    return local_server(config, clock, store)


class MemorySearchTests(PrivateSearchContract, unittest.TestCase):
    """``--db :memory:``: the in-memory index."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(SEARCH_CONFIG, self.clock)


class FileSearchTests(PrivateSearchContract, unittest.TestCase):
    """``--db FILE``: the index in the file, searched after a flush."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = file_server(self, temporary_path(self), self.clock, SEARCH_CONFIG)


def talk(server: DoorHub, name: str, *lines: str) -> FakeClient:
    client = FakeClient(server)
    for line in (name, *lines):
        client.send(line)
    client.received()
    return client


def search(client: FakeClient, text: str) -> list[str]:
    """The texts ``/search text`` found, newest first."""
    client.send(f"/search {text}")
    lines = client.received()
    assert lines[-1].startswith("FOUND_END"), lines
    return [line.split(" ", 5)[5] for line in lines if line.startswith("FOUND ")]


class TimeFilterTests(unittest.TestCase):
    """``before:`` and ``after:`` on the injected clock, with both stores."""

    def check(self, server: DoorHub, clock: Clock) -> None:
        clock.advance(1_700_000_000)  # 2023-11-14T22:13:20Z
        alice = talk(server, "alice", "/create tea", "tea one")
        clock.advance(DAY)
        alice.send("tea two")
        clock.advance(DAY)
        alice.send("tea three")
        alice.received()
        self.assertEqual(search(alice, "tea before:2023-11-15T22:13:20Z"), ["tea one"])
        self.assertEqual(
            search(alice, "tea after:2023-11-15T22:13:20.000Z"),
            ["tea three", "tea two"],
        )
        self.assertEqual(
            search(alice, "tea after:2023-11-15 before:2023-11-16T12:00"), ["tea two"]
        )
        self.assertEqual(search(alice, "tea after:2030-01-01"), [])
        self.assertEqual(len(search(alice, "tea before:2030-01-01")), 3)

    def test_in_memory(self) -> None:
        """Times filter the in-memory index."""
        clock = Clock()
        self.check(local_server(SEARCH_CONFIG, clock), clock)

    def test_in_a_file(self) -> None:
        """Times filter the file's index (by rowid bounds and by time)."""
        clock = Clock()
        self.check(file_server(self, temporary_path(self), clock, SEARCH_CONFIG), clock)


class FileIndexTests(unittest.TestCase):
    """The file's index outlives the process and follows retention."""

    def setUp(self) -> None:
        self.path = temporary_path(self)
        self.clock = Clock()

    def test_found_after_a_restart(self) -> None:
        """What was said before a crash is found after it."""
        alice = talk(file_server(self, self.path, self.clock, SEARCH_CONFIG), "alice")
        alice.send("/create tea")
        alice.send("remember the milk")
        self.clock.advance(FLUSH_INTERVAL)
        server = file_server(self, self.path, self.clock, SEARCH_CONFIG)
        alice = talk(server, "alice", "/join tea")
        self.assertEqual(search(alice, "MILK"), ["remember the milk"])

    def test_retention_takes_messages_out_of_the_index(self) -> None:
        """Messages past ``--retention`` are no longer found."""
        config = ServerConfig(rate=0, retention=3)
        alice = talk(file_server(self, self.path, self.clock, config), "alice")
        alice.send("/create tea")
        for n in range(5):
            alice.send(f"note {n}")
        self.clock.advance(FLUSH_INTERVAL)
        alice.received()
        self.assertEqual(search(alice, "note"), ["note 4", "note 3", "note 2"])
        rows = sqlite3.connect(self.path).execute("SELECT COUNT(*) FROM search_text")
        self.assertEqual(rows.fetchone(), (3,))

    def test_a_new_message_is_found_before_the_flush(self) -> None:
        """A search flushes first: the message just sent is found at once."""
        alice = talk(file_server(self, self.path, self.clock, SEARCH_CONFIG), "alice")
        alice.send("/create tea")
        alice.send("just now")
        alice.received()
        self.assertEqual(search(alice, "now"), ["just now"])


class MemoryIndexTests(unittest.TestCase):
    """The in-memory index keeps what ``--retention`` says."""

    def test_retention(self) -> None:
        """Only each room's newest ``retention`` messages are found."""
        server = local_server(ServerConfig(rate=0, retention=2), Clock())
        alice = talk(server, "alice", "/create tea", "a1", "a2", "a3")
        self.assertEqual(search(alice, "a1"), [])
        self.assertEqual(search(alice, "a3"), ["a3"])

    def test_a_deleted_room_takes_its_messages_along(self) -> None:
        """A room deleted and made again does not find the old messages."""
        server = local_server(SEARCH_CONFIG, Clock())
        alice = talk(server, "alice", "/create tea", "old words", "/delete tea")
        alice.send("/create tea")
        alice.received()
        self.assertEqual(search(alice, "words"), [])


#: The ``events`` table before tags, targets and search (dbfile's MIGRATIONS).
OLD_SCHEMA = """
CREATE TABLE rooms (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
    permanent INTEGER NOT NULL, topic TEXT NOT NULL, topic_by TEXT NOT NULL,
    created INTEGER NOT NULL);
CREATE TABLE ids (key TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE events (
    room TEXT NOT NULL, id INTEGER NOT NULL, kind TEXT NOT NULL,
    user TEXT NOT NULL, stamp TEXT NOT NULL, text TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID;
INSERT INTO rooms VALUES ('tea', 'tea', '', 1, '', '', 1);
INSERT INTO rooms VALUES ('coffee', 'coffee', '', 1, '', '', 2);
INSERT INTO ids VALUES ('tea', 3);
INSERT INTO ids VALUES ('coffee', 1);
INSERT INTO events VALUES ('tea', 1, 'MSG', 'alice', '2026-01-01T00:00:00.000Z',
    'Crème brûlée recipe', 10);
INSERT INTO events VALUES ('coffee', 1, 'MSG', 'bob', '2026-01-01T00:00:01.000Z',
    'brulee with coffee', 11);
INSERT INTO events VALUES ('tea', 2, 'ACTION', 'carol', '2026-01-01T00:00:02.000Z',
    'bakes a brulee', 12);
INSERT INTO events VALUES ('tea', 3, 'MSG', 'dave', '2026-01-01T00:00:03.000Z',
    'nothing to see', 13);
"""


class SearchIndexMigrationTests(unittest.TestCase):
    """A file from before search gets its index at start-up, once."""

    def setUp(self) -> None:
        self.path = temporary_path(self)
        old = sqlite3.connect(self.path)
        old.executescript(OLD_SCHEMA)
        old.close()
        self.clock = Clock()

    def test_old_messages_are_found_newest_first(self) -> None:
        """The stored messages are indexed, in the order they were said,
        and the index then follows edits and new messages."""
        server = file_server(self, self.path, self.clock, SEARCH_CONFIG)
        alice = talk(server, "alice", "/caps multi", "/join tea", "/join coffee")
        self.assertEqual(
            search(alice, "brulee"),
            ["bakes a brulee", "brulee with coffee", "Crème brûlée recipe"],
        )
        alice.send("/say tea brulee again")
        self.assertEqual(search(alice, "in:tea brulee")[0], "brulee again")

    def test_built_once(self) -> None:
        """Opening the file again neither rebuilds nor doubles the index."""
        open_database(self.path).close()
        db = open_database(self.path)
        self.addCleanup(db.close)
        self.assertEqual(
            db.execute("SELECT COUNT(*) FROM search_docs").fetchone(), (4,)
        )
        self.assertEqual(
            db.execute("SELECT COUNT(*) FROM search_text").fetchone(), (4,)
        )

    def test_a_rekeyed_room_keeps_its_index(self) -> None:
        """A room key rewritten in place (as ``rekey`` does when name keys
        change) takes its messages' index entries along."""
        db = open_database(self.path)
        with db:
            db.execute("UPDATE events SET room = 'tea2' WHERE room = 'tea'")
        prepare(db)
        found = search_index(db, ["tea2"], parse_search("brulee"), 50)
        db.close()
        self.assertEqual(
            [hit.text for hit in found], ["bakes a brulee", "Crème brûlée recipe"]
        )

    def test_redacting_a_migrated_message(self) -> None:
        """A migrated message that is deleted leaves the index."""
        server = file_server(self, self.path, self.clock, SEARCH_CONFIG)
        dave = talk(server, "dave", "/join tea")
        dave.send("/redact 3")
        self.assertEqual(search(dave, "nothing"), [])


class ParseTests(unittest.TestCase):
    """What a search's text asks for."""

    def test_words_and_filters(self) -> None:
        """Filters are ``key:value`` tokens anywhere; the rest are words."""
        query = parse_search("  in:Tea green from:Bob tea after:2026-01-02 ")
        self.assertEqual(
            query,
            SearchQuery(
                ("green", "tea"),
                ("Tea",),
                "Bob",
                None,
                1767312000.0,
                starts=frozenset({"green", "tea"}),
            ),
        )

    def test_words_of_three_or_more_match_as_starts(self) -> None:
        """``boil`` and ``tea`` match the words they start; ``is`` and
        ``a`` only themselves."""
        query = parse_search("boil is tea a")
        self.assertEqual(query.starts, frozenset({"boil", "tea"}))

    def test_an_unknown_key_is_a_word(self) -> None:
        """``http://x`` and ``12:30`` are words, not filters."""
        self.assertEqual(parse_search("http://x 12:30").words, ("http://x", "12:30"))

    def test_refusals(self) -> None:
        """Each bad search is ``BAD_ARGS`` with a reason."""
        for text, reason in (
            ("", "nothing to search for"),
            ("x" * 201, "at most 200 characters"),
            ("from:bob", "no words to search for"),
            ("tea before:", "before: needs a value"),
            ("tea after:02/01/2026", "02/01/2026 is no time"),
        ):
            with self.assertRaises(ChatError) as raised:
                parse_search(text)
            self.assertEqual(raised.exception.code, "BAD_ARGS")
            self.assertIn(reason, raised.exception.text)


class QueuedRunner:
    """A thread stand-in: jobs wait, in order, until ``work`` runs them."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Deferred[Any]]] = []

    def __call__(self, job: Callable[[], Any]) -> Deferred[Any]:
        done: Deferred[Any] = Deferred()
        self.jobs.append((job, done))
        return done

    def work(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job, done in jobs:
            done.callback(job())


class ThreadedMemoryIndexTests(unittest.TestCase):
    """``--db :memory:``'s index off the reactor: changes wait in bounded
    queues until a search of their room applies them on the index's
    thread, then searches there."""

    def setUp(self) -> None:
        self.thread = QueuedRunner()
        self.index = MemoryIndex(100, self.thread)
        self.addCleanup(self.index.db.close)

    def add(self, event_id: int, text: str, room: str = "tea") -> None:
        row = (event_id, "MSG", "alice", "2026-01-01T00:00:00.000Z", text, "", 0, "")
        self.index.add(room, row, 1.0)

    def found(self, word: str, room: str = "tea") -> list[str]:
        searching = self.index.search([room], parse_search(word), 50)
        self.thread.work()
        return [hit.text for hit in self.successResultOf(searching)]

    def count(self) -> int:
        (rows,) = self.index.db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(rows)

    def test_nothing_is_indexed_until_someone_searches(self) -> None:
        """Messages only wait on the reactor: no thread work and nothing in
        the database however many are said, until a search of their room."""
        for event_id in range(1, 51):
            self.add(event_id, f"hello tea {event_id}")
        self.assertEqual(self.thread.jobs, [])
        self.assertEqual(self.count(), 0)
        self.assertEqual(self.found("50"), ["hello tea 50"])
        self.assertEqual(self.count(), 50)

    def test_only_the_rooms_searched_are_brought_up_to_date(self) -> None:
        """A search of tea indexes tea's messages, not coffee's."""
        self.add(1, "tea words")
        self.add(1, "coffee words", room="coffee")
        self.assertEqual(self.found("words"), ["tea words"])
        self.assertEqual(self.count(), 1)
        self.assertEqual(self.found("words", room="coffee"), ["coffee words"])

    def test_rooms_indexed_at_different_times_come_newest_first(self) -> None:
        """coffee's older message is indexed after tea's newer one (tea was
        searched first): a search of both still lists tea's first, by the
        time each was said, not the order they reached the index."""
        self.index.add(
            "coffee",
            (1, "MSG", "bob", "2026-01-01T00:00:01.000Z", "old news", "", 0, ""),
            1.0,
        )
        self.index.add(
            "tea",
            (1, "MSG", "amy", "2026-01-01T00:00:02.000Z", "new news", "", 0, ""),
            2.0,
        )
        self.assertEqual(self.found("news"), ["new news"])
        searching = self.index.search(["tea", "coffee"], parse_search("news"), 50)
        self.thread.work()
        found = [hit.text for hit in self.successResultOf(searching)]
        self.assertEqual(found, ["new news", "old news"])

    def test_a_room_waits_with_its_newest_messages_only(self) -> None:
        """What waits is bounded by retention: of 250 messages nobody
        searched, the newest 100 are found, older ones never."""
        for event_id in range(1, 251):
            self.add(event_id, f"word{event_id}")
        self.assertEqual(self.found("word150"), [])
        self.assertEqual(self.found("word151"), ["word151"])
        self.assertEqual(self.count(), 100)

    def test_a_deleted_room_forgets_what_waited_and_what_was_indexed(self) -> None:
        """A room deleted after a search and made again finds only what
        was said after."""
        self.add(1, "old words")
        self.assertEqual(self.found("words"), ["old words"])
        self.add(2, "waiting words")
        self.index.drop("tea")
        self.add(3, "new words")
        self.assertEqual(self.found("words"), ["new words"])

    def test_a_search_sees_every_change_before_it(self) -> None:
        """A search queued right after changes (no flush yet) finds them,
        an edit by its new text, a redaction not at all."""
        self.add(1, "hello tea")
        self.add(2, "more tea")
        self.index.change("tea", 1, "hello coffee")
        self.index.change("tea", 2, None)
        self.assertEqual(self.found("tea"), [])
        self.assertEqual(self.found("coffee"), ["hello coffee"])

    def test_close_lets_go_of_what_waits(self) -> None:
        """After close nothing waits (a flush has nothing to do), and the
        database is let go on the thread."""
        self.add(1, "hello")
        closing = self.index.close()
        self.thread.work()
        self.successResultOf(closing)
        self.assertIsNone(self.successResultOf(self.index.flush()))
        self.assertEqual(self.thread.jobs, [])


class PrivateIndexMigrationTests(unittest.TestCase):
    """A file whose conversations were kept before they were searched."""

    def test_kept_conversations_are_indexed_at_start_up(self) -> None:
        """Opened again, the file's private messages are indexed: either
        party finds them, nobody else does."""
        path = temporary_path(self)
        db = open_database(path)
        for trigger in ("private_added", "private_dropped"):
            db.execute(f"DROP TRIGGER {trigger}")
        for table in ("private_text", "private_docs"):
            db.execute(f"DROP TABLE {table}")
        db.execute(
            "INSERT INTO private_messages (conversation, id, sender, recipient, "
            "stamp, text) VALUES ('alice bob', 1, 'alice', 'bob', "
            "'2026-01-01T00:00:00.000Z', 'brulee tonight?')"
        )
        db.commit()
        db.close()
        db = open_database(path)
        self.addCleanup(db.close)
        prepare(db)
        query = parse_search("brulee")
        for party, texts in (
            ("bob", ["brulee tonight?"]),
            ("alice", ["brulee tonight?"]),
            ("carol", []),
        ):
            found = search_index(db, [], replace(query, party=party), 50)
            self.assertEqual([hit.text for hit in found], texts, party)
