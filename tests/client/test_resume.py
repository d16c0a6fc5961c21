"""The terminal client with a server that keeps rooms and history (``--db``).

Real controllers, models and screens against the real service on 127.0.0.1
port 0, as in ``test_end_to_end.py``: two clients come back to their room
after a restart, a dropped connection loses nothing on screen, and PgUp at
the top of the log fetches what came before it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from chatroom.client.model import EntryKind, SessionModel
from chatroom.wiring.tap import Options, makeService
from tests.client.end_to_end import Client, ClientTestCase
from tests.client.support import SIZE
from tests.support import IN_PROCESS, port_of


def said(model: SessionModel) -> list[str]:
    """The messages in the log on screen, in order."""
    return [e.text for e in model.log if e.kind == EntryKind.MESSAGE]


def joins(model: SessionModel) -> list[str]:
    """The "→ NAME joined" lines in the log on screen, in order."""
    return [e.text for e in model.log if e.kind == EntryKind.JOIN]


class ResumeTests(ClientTestCase):
    """Nothing said while a client was away is lost or shown twice."""

    options: tuple[str, ...] = ("--history", "2")

    async def start_server(self) -> None:
        if not hasattr(self, "db"):
            directory = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, directory)
            self.db = os.path.join(directory, "chat.sqlite3")
        config = Options()
        config.parseOptions(
            [
                "--port",
                "tcp:0:interface=127.0.0.1",
                "--db",
                self.db,
                *IN_PROCESS,
                *self.options,
            ]
        )
        self.service = makeService(config)
        self.service.startService()
        listening = await self.service.listener.whenListening()
        self.port = port_of(listening)

    async def alice_and_bob_in(self, room: str) -> tuple[Client, Client]:
        """alice creates ``room``, bob sees it listed and joins it."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, room)
        await bob.when(lambda model: room in model.rooms)
        await self.in_room(bob, room)
        return alice, bob

    async def test_both_back_in_their_room_after_a_restart(self) -> None:
        """Two clients in a room of their own are both back in it after the
        server restarts, with what was said before (no race to re-create it)."""
        alice, bob = await self.alice_and_bob_in("tea2")
        await bob.ask("before the restart", "before the restart", asker=alice)
        joins_before = {c: joins(c.model) for c in (alice, bob)}
        members_before = {c: sorted(c.model.members) for c in (alice, bob)}
        await self.stop_server()
        for client in (alice, bob):
            await client.when(lambda model: not model.connected)
        await self.start_server()
        for client in (alice, bob):
            client.clock.advance(1)
        for client in (alice, bob):
            await client.when(
                lambda model: (
                    [e.text for e in model.log].count("reconnected") == 1
                    and sorted(model.members) == ["alice", "bob"]
                )
            )
            self.assertEqual(client.model.room, "tea2")
            self.assertNotIn("could not rejoin", client.text())
            self.assertNotIn("creating it again", client.text())
            self.assertEqual(said(client.model).count("before the restart"), 1)
            # Nobody left, so nobody "joined": one "reconnected" line instead.
            self.assertEqual(joins(client.model), joins_before[client])
            self.assertEqual(sorted(client.model.members), members_before[client])
            texts = [entry.text for entry in client.model.log]
            self.assertEqual(texts.count("you joined tea2"), 1)
        bob.type_line("after the restart")
        for client in (alice, bob):
            await client.when(client.has_message("after the restart"))

    async def test_dropped_connection_loses_nothing(self) -> None:
        """Bob's connection drops while alice talks; back, he has every
        message once, in order."""
        alice, bob = await self.alice_and_bob_in("tea")
        await bob.ask("one", "one", asker=alice)
        await bob.lose_connection()
        await alice.when(lambda model: model.members == ["alice"])
        for text in ("two", "three", "four"):
            await alice.ask(text, text)
        bob.clock.advance(1)
        await bob.when(lambda model: "four" in said(model))
        self.assertEqual(said(bob.model), ["one", "two", "three", "four"])
        await bob.ask("five", "five", asker=alice)
        self.assertEqual(said(bob.model), ["one", "two", "three", "four", "five"])

    async def test_page_up_at_the_top_loads_older(self) -> None:
        """A joiner sees the last two; PgUp at the top fetches the rest, in
        order above them, until there is no more."""
        alice = await self.connect("alice")
        await self.in_room(alice, "tea")
        texts = [f"m{n}" for n in range(1, 8)]
        for text in texts:
            await alice.ask(text, text)
        bob = await self.connect("bob")
        await bob.when(lambda model: "tea" in model.rooms)
        await self.in_room(bob, "tea")
        await bob.when(lambda model: "m7" in said(model))
        self.assertEqual(said(bob.model), ["m6", "m7"])
        bob.screen.render(SIZE)
        bob.screen.keypress(SIZE, "page up")
        await bob.when(lambda model: "m1" in said(model))
        self.assertEqual(said(bob.model), texts)
        for _ in range(3):  # to the top of what was fetched, then once more
            bob.screen.render(SIZE)
            bob.screen.keypress(SIZE, "page up")
        await bob.when(bob.has_message("no earlier messages"))
        self.assertEqual(said(bob.model), texts)
