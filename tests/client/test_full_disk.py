"""The terminal client when the server cannot store messages: the line stays.

The server is the plugin's service with a real ``--db`` file; the disk
"fills" as SQLite sees it (``PRAGMA max_page_count`` at the file's size:
every commit that needs a page fails with ``SQLITE_FULL``), so the server
refuses new messages. The user must still see what they typed.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import reactor, task

from chatroom.backends.local.store import SqliteStore
from chatroom.client.entries import EntryKind
from chatroom.wiring.tap import Options, makeService
from tests.client.end_to_end import ClientTestCase
from tests.client.support import SIZE
from tests.support import IN_PROCESS, local_backend, port_of


class FullDiskTests(ClientTestCase):
    """A refused message is on screen and recalled with ↑."""

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
        """The refusal, with the text, is in the log; the room's notice too;
        and ↑ brings the line back to send again."""
        alice = await self.connect("alice")
        await self.in_room(alice, "tea")
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
        alice.type_line("are you there?")
        await alice.when(
            lambda model: any(
                entry.kind == EntryKind.ERROR
                and entry.text.endswith("so this was not sent: are you there?")
                for entry in model.log
            )
        )
        notices = [e.text for e in alice.model.log if e.kind == EntryKind.NOTICE]
        self.assertIn(
            "tea: the server's disk is full: new messages are refused until they "
            "can be stored",
            notices,
        )
        alice.screen.keypress(SIZE, "up")
        self.assertEqual(alice.screen.input.edit_text, "are you there?")
