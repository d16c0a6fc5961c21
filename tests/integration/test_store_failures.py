"""The real ``twistd chatroom`` plugin meets a full disk and files it cannot serve.

The full-disk test runs the server with ``--db`` on a 2 MiB tmpfs the test
mounts (see :mod:`tests.integration.filesystems`), fills that file system
while people talk, frees it, stops the server with SIGTERM, starts it
again and checks that ``/join tea since 0`` replays every acknowledged
message, with ids that have no hole. The start-up tests check that a
damaged file, a file another live server holds and an unwritable
directory each end the server in one line on stderr with exit status 1.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing

from twisted.internet import defer, error, reactor, task
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from chatroom.backends.local.dbfile import SCHEMA
from chatroom.backends.local.outage import STORED_AGAIN
from chatroom.wire.lines import parse_event
from tests.integration.filesystems import fill, mounted_tmpfs, unwritable_directory
from tests.integration.test_twistd import spawn_twistd
from tests.support import LineClient, connect_client

LOOPBACK = ("--port", "tcp:0:interface=127.0.0.1")


@defer.inlineCallbacks
def stored(db: str, query: str):
    """Fires once ``query`` finds a row in ``db`` (the server committed it)."""
    while True:
        with closing(sqlite3.connect(db)) as reader:
            if reader.execute(query).fetchone():
                return
        yield task.deferLater(reactor, 0.05, lambda: None)


def event_id(line: str) -> int:
    """The id of a line that starts with ``@ID``."""
    return int(line.split(" ", 1)[0][1:])


class StoreFailuresFullDiskTests(unittest.TestCase):
    """Nothing acknowledged is lost to a full disk, and nothing is left out."""

    timeout = 60

    @defer.inlineCallbacks
    def serve(self, db: str):
        # Up to a few thousand messages are acknowledged before the first
        # commit after the disk fills fails: /join ... since 0 replays them all.
        resume = ("--resume-bound", "20000")
        process = spawn_twistd(self, *LOOPBACK, "--db", db, "--rate", "0", *resume)
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def user(self, port: int, name: str):
        client = yield connect_client(reactor, port)
        client.say("/caps ids")
        yield client.expect_line("CAPS ")
        client.say(name)
        yield client.expect_line("WELCOME ")
        return client

    @defer.inlineCallbacks
    def send(self, alice: LineClient, text: str):
        """Send ``text``; fires with True if acknowledged, False if refused."""
        alice.say(text)
        reply = yield alice.expect(
            lambda line: (
                line.endswith(f" {text}")
                and (" MSG tea alice " in line or line.startswith("ERR "))
            )
        )
        if reply.startswith("ERR "):
            self.assertTrue(reply.startswith("ERR UNAVAILABLE "), reply)
            return False
        return True

    @defer.inlineCallbacks
    def test_full_disk_refuses_then_resumes_without_a_hole(self):
        """Fill the disk mid-conversation: what was acknowledged survives a
        SIGTERM and a restart, what was refused was said to be, the room is
        told once each way, and the ids have no hole."""
        disk = mounted_tmpfs(self, "2m")
        db = os.path.join(disk, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield self.user(port, "alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        bob = yield self.user(port, "bob")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea")
        acked: list[str] = []
        for n in range(50):
            self.assertTrue((yield self.send(alice, f"before {n}")))
            acked.append(f"before {n}")

        filler = os.path.join(disk, "filler")
        fill(filler)
        refused = []
        for n in range(5000):  # until the next commit (0.2 s) finds it full
            text = f"while full {n}"
            if (yield self.send(alice, text)):
                acked.append(text)  # sent before the server saw the disk full
            else:
                refused.append(text)
                if len(refused) == 20:
                    break
        self.assertEqual(len(refused), 20, "the server never noticed the full disk")

        os.unlink(filler)
        told = yield bob.expect_line(f"NOTICE tea {STORED_AGAIN}")
        for n in range(30):
            self.assertTrue((yield self.send(alice, f"after {n}")))
            acked.append(f"after {n}")
        yield bob.expect(lambda line: line.endswith(" after 29"))
        notices = [x for x in bob.lines if x.startswith("NOTICE ")]
        self.assertEqual(
            notices,
            [
                "NOTICE tea the server's disk is full: new messages are "
                "refused until they can be stored",
                told,
            ],
        )
        said = [parse_event(x).text for x in bob.lines if " MSG tea alice " in x]
        self.assertEqual(said, acked)

        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone)
        self.assertNotIn(b"Traceback", process.output)
        self.assertNotIn(b"NOT written", process.output)
        self.assertEqual(process.output.count(b"cannot write to "), 1)

        process, port = yield self.serve(db)
        carol = yield self.user(port, "carol")
        carol.say("/join tea since 0")
        yield carol.expect(lambda line: line.endswith(" after 29"))
        replayed = [x for x in carol.lines if " HISTORY tea alice " in x]
        self.assertEqual([parse_event(x).text for x in replayed], acked)
        self.assertEqual(
            [event_id(x) for x in replayed], list(range(1, len(acked) + 1))
        )

    @defer.inlineCallbacks
    def test_sigterm_while_full_says_what_is_lost(self):
        """Still full at SIGTERM: one critical line names the room and ids
        of the acknowledged messages that could not be written."""
        disk = mounted_tmpfs(self, "2m")
        db = os.path.join(disk, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield self.user(port, "alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        yield stored(db, "SELECT 1 FROM rooms WHERE key = 'tea'")
        fill(os.path.join(disk, "filler"))
        acked = []
        for n in range(5000):
            if not (yield self.send(alice, f"while full {n}")):
                break
            acked.append(n + 1)
        self.assertTrue(acked, "no message was acknowledged before the refusal")
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone)
        lost = [x for x in process.output.splitlines() if b"NOT written" in x]
        self.assertEqual(len(lost), 1, process.output)
        self.assertIn(f"{len(acked)} messages (tea 1-{acked[-1]})".encode(), lost[0])


class RefusedStartTests(unittest.TestCase):
    """A ``--db`` the server cannot serve: one line, exit status 1."""

    timeout = 20

    @defer.inlineCallbacks
    def refused(self, *args: str):
        """Run the plugin; fires with its one line once it has exited 1."""
        process = spawn_twistd(self, *LOOPBACK, *args)
        process.listening.addErrback(lambda _: None)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertEqual(ended.value.exitCode, 1)
        self.assertNotIn(b"Traceback", process.output)
        lines = process.output.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, process.output)
        return lines[0]

    def temporary(self) -> str:
        directory = FilePath(tempfile.mkdtemp())
        self.addCleanup(directory.remove)
        return directory.child("chat.sqlite3").path

    @defer.inlineCallbacks
    def test_damaged_database(self):
        """Garbage over part of the file: "damaged", and what to do."""
        db = self.temporary()
        made = sqlite3.connect(db)
        made.executescript(SCHEMA)
        with made:
            made.executemany(
                "INSERT INTO events VALUES ('tea', ?, 'MSG', 'alice', "
                "'2026-01-01T00:00:00Z', ?, 0)",
                [(n, "tea " * 100) for n in range(1, 500)],
            )
        made.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        made.close()
        pages = os.path.getsize(db) // 4096
        with open(db, "r+b") as damaged:
            # The events' pages, at the end of the file (the schema's empty
            # tables come first: garbage there would be read by nobody).
            for page in range(pages - 36, pages, 3):
                damaged.seek(page * 4096 + 16)
                damaged.write(os.urandom(3000))
        line = yield self.refused("--db", db)
        self.assertTrue(line.startswith(f"chatroom: --db {db}: the file is damaged ("))
        self.assertTrue(line.endswith("restore a backup or move it aside"), line)

    @defer.inlineCallbacks
    def test_database_of_a_running_server(self):
        """A second server on the first one's file names the first one's
        pid; the first goes on serving."""
        db = self.temporary()
        first = spawn_twistd(self, *LOOPBACK, "--db", db)
        port = yield first.listening
        assert first.transport is not None
        line = yield self.refused("--db", db)
        self.assertEqual(
            line,
            f"chatroom: --db {db}: another chatroom server "
            f"(pid {first.transport.pid}) is using this database; "
            "stop it first or give this one another --db",
        )
        alice = yield connect_client(reactor, port, "alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        alice.transport.loseConnection()
        yield alice.closed

    @defer.inlineCallbacks
    def test_unwritable_directory(self):
        """A directory the server cannot create its files in."""
        directory = unwritable_directory(self)
        db = os.path.join(directory, "chat.sqlite3")
        line = yield self.refused("--db", db)
        self.assertTrue(
            line.startswith(f"chatroom: --db {db}: cannot write in {directory}: "),
            line,
        )
