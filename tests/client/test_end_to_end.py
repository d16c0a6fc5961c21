"""The real client objects (controller, model, screen) against the real server.

The server is built by the twistd plugin's ``makeService`` and listens on
127.0.0.1 port 0. The screen is driven by keypresses and read by rendering,
as a user would. Tests wait on Deferreds from ``SessionModel.when``, never
on sleeps; reconnect timers run on a ``task.Clock`` the test advances.
"""

from __future__ import annotations

from chatroom.client.model import Page
from tests.client.end_to_end import ClientTestCase
from tests.client.support import SIZE, screen_text, type_text


class EndToEndTests(ClientTestCase):
    """Clients and a server talking over real sockets on the loopback."""

    async def test_two_clients_chat(self) -> None:
        """Alice creates a room, Bob sees it pushed to his lobby, joins; they chat."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, "tea")
        await bob.when(lambda model: "tea" in model.rooms)
        self.assertRegex(bob.text(), r"tea +1/256")
        bob.screen.keypress(SIZE, "down")  # general, then tea
        self.assertIn("▸ tea", bob.text())
        bob.screen.keypress(SIZE, "enter")  # empty line: join the selected room
        await alice.when(lambda model: "bob" in model.members)
        await bob.ask("hello bob", "hello bob", asker=alice)
        await alice.ask("/me waves", "waves", asker=bob)
        self.assertIn("<alice> hello bob", bob.text())
        self.assertIn("* bob waves", alice.text())
        self.assertIn("@alice", bob.text())  # the creator owns the room

    async def test_username_taken_retry(self) -> None:
        """A taken name shows the server's reason and the prompt takes another."""
        await self.connect("alice")
        second = await self.connect()
        second.type_line("ALICE")
        await second.when(lambda model: bool(model.name_problem))
        self.assertEqual(second.model.page, Page.USERNAME)
        self.assertIn("taken", second.text().lower())
        self.assertEqual(second.screen.input.edit_text, "ALICE")  # to correct
        second.screen.keypress(SIZE, "ctrl u")
        second.type_line("bob")
        await second.when(lambda model: model.page == Page.LOBBY)
        self.assertIn("you are bob", second.text())

    async def test_typing_undisturbed(self) -> None:
        """Messages arriving mid-typing leave Bob's input text and cursor alone."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, "tea")
        await bob.when(lambda model: "tea" in model.rooms)
        await self.in_room(bob, "tea")
        type_text(bob.screen, "I was about to say")
        for _ in range(3):
            bob.screen.keypress(SIZE, "left")
        before = (bob.screen.input.edit_text, bob.screen.input.edit_pos)
        cursor = bob.screen.render(SIZE, focus=True).cursor
        for index in range(5):
            alice.type_line(f"interruption {index}")
        await bob.when(bob.has_message("interruption 4"))
        self.assertEqual(
            (bob.screen.input.edit_text, bob.screen.input.edit_pos), before
        )
        self.assertEqual(bob.screen.render(SIZE, focus=True).cursor, cursor)
        rows = screen_text(bob.screen)
        self.assertEqual(rows[-1].rstrip(), "> I was about to say")
        self.assertIn("interruption 4", "\n".join(rows))

    async def test_reconnect_after_restart(self) -> None:
        """After a server restart the client says so, then retakes its name and room."""
        alice = await self.connect("alice")
        await self.in_room(alice, "tea")
        await self.stop_server()
        await alice.when(lambda model: not model.connected)
        self.assertIn("disconnected", screen_text(alice.screen)[-2])
        self.assertIn("server shutting down", alice.text())
        await self.start_server()  # a new port; the client asks for it again
        alice.clock.advance(1)
        await alice.when(
            lambda model: [e.text for e in model.log].count("reconnected") == 1
        )
        text = alice.text()
        self.assertEqual(text.count("you joined tea"), 1)
        self.assertIn("tea is gone; creating it again", text)
        self.assertIn("connected to 127.0.0.1 as alice", screen_text(alice.screen)[-2])
        alice.type_line("back again")
        await alice.when(alice.has_message("back again"))

    async def test_who_and_list_typed_in_a_room(self) -> None:
        """/who and /list typed in a room are answered in its log (defect 3)."""
        alice = await self.connect("alice")
        await self.in_room(alice, "tea")
        await alice.ask("/who", "members of tea (1): @alice")
        await alice.ask("/list", "  tea 1/256")
        self.assertIn("rooms (2):", alice.text())
        self.assertIn("general 0/256", alice.text())

    async def test_lobby_watch_and_bad_room_names(self) -> None:
        """A bad room name is explained, not sent; /watch off then on refreshes
        the list with what changed meanwhile (defects 6 and 7)."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        carol = await self.connect("carol")  # watches, to know the push went out
        alice.type_line("bad room!")
        await alice.when(
            alice.has_message(
                "“bad room!” cannot be a room name: use 1-32 letters, digits, "
                "'_', '-' or '.'"
            )
        )
        self.assertEqual(alice.screen.input.edit_text, "bad room!")
        alice.screen.input.set_edit_text("")
        alice.type_line("/watch off")
        await alice.when(lambda model: not model.watching)
        self.assertIn("not kept up to date", alice.text())
        await self.in_room(bob, "tea")
        await carol.when(lambda model: "tea" in model.rooms)  # pushed, not to alice
        self.assertNotIn("tea", alice.model.rooms)
        alice.type_line("/watch on")
        await alice.when(lambda model: "tea" in model.rooms)
        self.assertRegex(alice.text(), r"tea +1/256")
        self.assertNotIn("not kept up to date", alice.text())
