"""Threads with the in-process registry, and across a restart of its store."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.threads import THREADS_CONFIG, ThreadsContract
from tests.support import FakeClient, in_place, local_server


class LocalRegistryThreadsTests(ThreadsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(THREADS_CONFIG, self.clock)


class ThreadsStoreTests(unittest.TestCase):
    """Threads and follows are kept in the ``--db`` file."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()

    def start(self) -> DoorHub:
        """A server on the file (a restart, when one ran before)."""
        self.clock.advance(FLUSH_INTERVAL)
        store = SqliteStore(self.path, self.clock, in_place, THREADS_CONFIG.retention)
        self.addCleanup(store.db.close)
        return local_server(THREADS_CONFIG, self.clock, store)

    def test_threads_and_follows_survive_a_restart(self) -> None:
        """After a restart, ``/threads`` still lists the thread, a rich
        joiner's history still tags its messages, and ``/unread`` still
        counts the thread its writer followed."""
        alice = FakeClient(self.start())
        for line in ("alice", f"/register {PASSWORD}", "/caps rich", "/create tea"):
            alice.send(line)
        for line in ("root", "/thread 1 inside", "/thread 2 more"):
            alice.send(line)
        server = self.start()
        alice = FakeClient(server)
        for line in (f"/login alice {PASSWORD}", "/caps rich", "/join tea"):
            alice.send(line)
        alice.received()
        alice.send("/threads")
        self.assertEqual(
            [line.rpartition(" ")[0] for line in alice.received()],
            ["THREAD tea 1 2 3", ""],
        )
        alice.send("/history thread 1 5")
        self.assertEqual(
            [line.split(" ", 1)[0] for line in alice.received()],
            ["@1", "@2;thread=1", "@3;thread=1", "HISTORY_END"],
        )
        alice.send("/unread")
        self.assertEqual(alice.received(), ["UNREAD tea 3 0 thread 1 2", "UNREAD_END"])
