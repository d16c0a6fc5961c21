"""A store that cannot write: nothing acknowledged is lost, nothing is left out.

The disk "fills" for real, as SQLite sees it: ``PRAGMA max_page_count``
set to the file's current size makes every commit that needs a new page
fail with ``SQLITE_FULL`` ("database or disk is full"), exactly the error a
full file system gives, and raising it again frees the space. (A real
full file system, with the real twistd plugin, is in
``tests/integration/test_store_failures.py``.) The server runs on a
``task.Clock`` with the writer in place, so every retry happens when the
test advances the clock.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.dbfile import DatabaseUnusableError, ServerLock
from chatroom.backends.local.outage import STORED_AGAIN
from chatroom.backends.local.store import (
    FLUSH_INTERVAL,
    RETRY_MAX,
    SqliteStore,
    open_store,
)
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.wire.lines import parse_event
from tests.support import FakeClient, in_place, local_server, log_lines

CONFIG = ServerConfig(rate=0, history=50, resume_bound=500, retention=1000)

#: Long enough that every message needs a page of its own.
FILLER = "x" * 3000


def event_id(line: str) -> int:
    return int(line.split(" ", 1)[0][1:])


class StoreFaultsFullDiskTests(unittest.TestCase):
    """The disk fills while people talk, and is freed again."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        #: How many commits the writer was asked to make.
        self.commits = 0
        self.server = self.start()
        self.alice = self.user("alice")
        self.alice.send("/create tea")
        self.bob = self.user("bob")
        self.bob.send("/join tea")
        self.alice.received()
        self.bob.received()

    def run_in_place(self, function: Any) -> defer.Deferred[Any]:
        """The writer "thread" of these tests: runs the function now."""
        self.commits += 1
        return defer.maybeDeferred(function)

    def start(self) -> DoorHub:
        self.store = SqliteStore(self.path, self.clock, self.run_in_place, 1000)
        self.addCleanup(self.store.db.close)
        return local_server(CONFIG, self.clock, self.store)

    def user(self, name: str, server: DoorHub | None = None) -> FakeClient:
        client = FakeClient(server or self.server)
        client.send("/caps ids")
        client.send(name)
        client.received()
        return client

    def fill_disk(self) -> None:
        """No page more fits in the file (SQLite says ``SQLITE_FULL``)."""
        (pages,) = self.store.db.execute("PRAGMA page_count").fetchone()
        self.store.db.execute(f"PRAGMA max_page_count = {pages}")

    def free_disk(self) -> None:
        self.store.db.execute("PRAGMA max_page_count = 1073741823")

    def say(self, text: str) -> list[str]:
        self.alice.send(text)
        return self.alice.received()

    def fail_a_commit(self) -> list[int]:
        """Fill the disk; two messages are acknowledged before the next
        commit finds out. Returns their ids."""
        self.fill_disk()
        acked = [event_id(self.say(f"{FILLER} {n}")[-1]) for n in (1, 2)]
        self.clock.advance(FLUSH_INTERVAL)
        self.assertTrue(self.store.problem)
        return acked

    def history_after_restart(self) -> list[tuple[int, str]]:
        """(id, text) of everything ``/join tea since 0`` replays after a crash."""
        self.server = self.start()
        carol = self.user("carol")
        carol.send("/join tea since 0")
        return [
            (event_id(line), parse_event(line).text)
            for line in carol.received()
            if " HISTORY " in line
        ]

    def test_refused_with_the_text_and_the_room_told_once(self) -> None:
        """While the store cannot write, a message gets ``ERR UNAVAILABLE``
        quoting its text; the room gets one ``NOTICE``, not the message."""
        self.fail_a_commit()
        self.bob.received()
        first = self.say("are you there?")
        self.assertEqual(
            first,
            [
                "NOTICE tea the server's disk is full: new messages are refused "
                "until they can be stored",
                "ERR UNAVAILABLE the server's disk is full, so this was not sent: "
                "are you there?",
            ],
        )
        self.assertEqual(self.bob.received(), [first[0]])
        second = self.say("hello?")
        self.assertEqual(len(second), 1)
        self.assertTrue(second[0].startswith("ERR UNAVAILABLE "), second)
        self.assertTrue(second[0].endswith(": hello?"), second)
        self.bob.send("/me waves")
        self.assertEqual(len(self.bob.received()), 1)  # its ERR; no new NOTICE
        self.assertEqual(self.alice.received(), [])

    def test_no_hole_once_space_returns(self) -> None:
        """Messages acknowledged before the failure was noticed are written
        when space returns; ids go on from them; a restart shows them all."""
        self.say("before")
        acked = self.fail_a_commit()
        self.say("refused")
        self.bob.received()
        self.free_disk()
        self.clock.advance(RETRY_MAX)
        told = f"NOTICE tea {STORED_AGAIN}"
        self.assertEqual(self.alice.received(), [told])
        self.assertEqual(self.bob.received(), [told])
        after = event_id(self.say("after")[-1])
        self.assertEqual(after, acked[-1] + 1)
        self.clock.advance(FLUSH_INTERVAL)
        self.assertEqual(
            self.history_after_restart(),
            [
                (1, "before"),
                (2, f"{FILLER} 1"),
                (3, f"{FILLER} 2"),
                (4, "after"),
            ],
        )

    def test_retries_back_off(self) -> None:
        """A disk that stays full is retried with growing pauses (up to
        ``RETRY_MAX`` seconds), not at every flush, and logged once."""
        log = log_lines(self)
        self.fail_a_commit()
        before = self.commits
        for _ in range(int(20 / FLUSH_INTERVAL)):
            self.clock.advance(FLUSH_INTERVAL)
        self.assertLessEqual(self.commits - before, 20 / RETRY_MAX + 3)
        self.assertGreaterEqual(self.commits - before, 20 / RETRY_MAX - 1)
        self.assertEqual(len([x for x in log if "cannot write to" in x]), 1)

    def test_shutdown_commits_what_was_acknowledged(self) -> None:
        """Space back just before SIGTERM: closing tries once more at once
        and writes everything acknowledged, though the back-off had not
        run out."""
        self.fail_a_commit()
        self.free_disk()
        self.successResultOf(self.store.close())
        self.assertEqual(
            [text for _, text in self.history_after_restart()],
            [f"{FILLER} 1", f"{FILLER} 2"],
        )

    def test_shutdown_while_full_says_what_is_lost(self) -> None:
        """Still full at shutdown: the log says loudly which messages (room
        and ids) could not be written."""
        log = log_lines(self)
        acked = self.fail_a_commit()
        self.successResultOf(self.store.close())
        lost = [x for x in log if "NOT written" in x]
        self.assertEqual(len(lost), 1, log)
        self.assertIn(f"2 messages (tea {acked[0]}-{acked[1]})", lost[0])

    def test_failed_batch_is_written_before_later_changes(self) -> None:
        """A topic set while the disk is full is kept in order behind the
        messages that failed (its change is the room's event 3), and
        everything lands when space returns."""
        self.fail_a_commit()
        self.alice.send("/topic biscuits")
        self.free_disk()
        self.clock.advance(RETRY_MAX)
        db = sqlite3.connect(self.path)
        self.addCleanup(db.close)
        self.assertEqual(
            db.execute("SELECT topic FROM rooms WHERE key = 'tea'").fetchone(),
            ("biscuits",),
        )
        self.assertEqual(
            [row[0] for row in db.execute("SELECT id FROM events ORDER BY id")],
            [1, 2, 3],
        )


class StartUpTests(unittest.TestCase):
    """What the store refuses to open, each in one line."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")

    def refusal(self) -> str:
        with self.assertRaises(DatabaseUnusableError) as caught:
            open_store(self.path, Clock(), 100, run=in_place)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        return message

    def test_damaged_file(self) -> None:
        """Pages overwritten with garbage: "damaged", and what to do."""
        db = sqlite3.connect(self.path)
        db.execute("CREATE TABLE t (x TEXT)")
        with db:
            db.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 200)
        db.close()
        with open(self.path, "r+b") as damaged:
            for page in range(3, 20):
                damaged.seek(page * 4096 + 8)
                damaged.write(os.urandom(2000))
        message = self.refusal()
        self.assertIn("the file is damaged (", message)
        self.assertIn("restore a backup or move it aside", message)

    def test_not_a_database(self) -> None:
        """Some other file named by ``--db``: refused, not overwritten."""
        with open(self.path, "w") as other:
            other.write("notes\n" * 1000)
        self.assertIn("file is not a database", self.refusal())
        with open(self.path) as other:
            self.assertEqual(other.read(), "notes\n" * 1000)

    def test_held_by_another_server(self) -> None:
        """A second server on the same file is refused and told who holds it."""
        held = ServerLock(self.path)
        self.addCleanup(held.release)
        self.assertEqual(
            self.refusal(),
            f"another chatroom server (pid {os.getpid()}) is using this "
            "database; stop it first or give this one another --db",
        )

    def test_lock_goes_with_the_store(self) -> None:
        """Once the first store is closed, the file can be opened again."""
        store = open_store(self.path, Clock(), 100, run=in_place)
        self.successResultOf(store.close())
        again = open_store(self.path, Clock(), 100, run=in_place)
        self.successResultOf(again.close())
