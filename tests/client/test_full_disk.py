"""The terminal client when the server cannot store messages: the line stays.

The server is the plugin's service with a real ``--db`` file; the disk
"fills" as SQLite sees it (``PRAGMA max_page_count`` at the file's size:
every commit that needs a page fails with ``SQLITE_FULL``), so the server
refuses new messages. The user must still see what they typed, and why
it waits; the client keeps it (its outbox) and says it once the disk has
room again (``PRAGMA max_page_count`` raised).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import reactor, task

from chatroom.backends.local.store import SqliteStore
from chatroom.client.entries import EntryKind, LogEntry
from chatroom.client.model import SessionModel
from chatroom.client.unacknowledged import RETRY_FIRST, RETRYING
from chatroom.wiring.tap import Options, makeService
from tests.client.end_to_end import ClientTestCase
from tests.support import IN_PROCESS, local_backend, port_of


class FullDiskTests(ClientTestCase):
    """A refused message stays on screen, pending, and is said once later."""

    async def start_server(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        config = Options()
        config.parseOptions(
            [
                "--port", "tcp:0:interface=127.0.0.1",
                "--db", os.path.join(directory, "chat.sqlite3"),
                "--rate", "0",
                *IN_PROCESS,
            ]
        )  # fmt: skip
        self.service = makeService(config)
        self.service.startService()
        listening = await self.service.listener.whenListening()
        self.port = port_of(listening)

    async def test_refused_line_stays_on_screen(self) -> None:
        """The refusal, with the text, is in the log once; the room's notice
        too; the line stays, marked, and goes again with its key (the
        client's clock) without telling the reason again. Once the disk has
        room it is said: one row, and bob gets it once.

        ↑ no longer brings it back to send again: the client keeps it and
        sends it itself, and a line sent again by hand would be a second
        message (a new key)."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, "tea")
        await bob.when(lambda model: "tea" in model.rooms)
        await self.in_room(bob, "tea")
        assert self.service is not None
        store = local_backend(self.service.server).store
        assert isinstance(store, SqliteStore), store
        # Nothing in flight on the writer thread: a commit that grew the
        # file after the count was read could leave room for the window's
        # row, and nothing would fail (seen on a loaded machine).
        await store.flush()
        (pages,) = store.db.execute("PRAGMA page_count").fetchone()
        store.db.execute(f"PRAGMA max_page_count = {pages}")
        window = " ".join(["tea"] * 500)  # needs a page: the next commit fails
        await alice.ask(window, window)  # acknowledged before that commit
        while not store.problem:
            await task.deferLater(reactor, 0.05, lambda: None)

        said = "are you there?"
        alice.type_line(said)
        await alice.when(lambda model: len(reasons(model, said)) == 1)
        await alice.when(lambda model: mine(model, said) == [RETRYING])
        notices = [e.text for e in alice.model.log if e.kind == EntryKind.NOTICE]
        self.assertIn(
            "tea: the server's disk is full: new messages are refused until they "
            "can be stored",
            notices,
        )
        (waiting,) = alice.controller.unacknowledged.said.values()
        alice.clock.advance(RETRY_FIRST)  # sent again with its key: refused
        await alice.when(lambda model: waiting.refusals == 2)
        self.assertEqual(mine(alice.model, said), [RETRYING])
        self.assertEqual(len(reasons(alice.model, said)), 1)  # told once

        await store.run(lambda: store.db.execute("PRAGMA max_page_count = 1000000"))
        await store.flush(force=True)  # the window's row, written at last
        while store.problem:
            await task.deferLater(reactor, 0.05, lambda: None)
        alice.clock.advance(RETRY_FIRST * 2)
        await alice.when(lambda model: mine(model, said) == [""])
        await bob.when(bob.has_message(said))
        await alice.ask("and now?", "and now?", bob)  # bob reads in order
        self.assertEqual(mine(alice.model, said), [""])
        self.assertEqual(mine(bob.model, said), [""])
        self.assertEqual(len(reasons(alice.model, said)), 1)
        self.assertEqual(alice.controller.unacknowledged.said, {})


def mine(model: SessionModel, text: str) -> list[str]:
    """The marks of the log's rows of ``text`` ("" for a message said)."""
    return [e.pending for e in model.log if is_message(e, text)]


def is_message(entry: LogEntry, text: str) -> bool:
    return entry.kind == EntryKind.MESSAGE and entry.text == text


def reasons(model: SessionModel, text: str) -> list[str]:
    """The log's refusals of ``text``, in the server's words."""
    ending = f"so this was not sent: {text}"
    return [
        e.text
        for e in model.log
        if e.kind == EntryKind.ERROR and e.text.endswith(ending)
    ]
