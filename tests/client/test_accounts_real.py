"""The terminal client's sign-in and moderation lines against the real server.

Real client objects (controller, model, screen) talk to the service the
twistd plugin builds, over the loopback: a registered name asks for its
password, a second sign-in ends the first session for good, and a kick
leaves its notice on the lobby page.
"""

from __future__ import annotations

from chatroom.client.model import Page
from tests.client.end_to_end import Client, ClientTestCase

PASSWORD = "milk-or-lemon"


class SignInAgainstTheServerTests(ClientTestCase):
    async def test_registered_name_asks_for_the_password(self) -> None:
        """After /register, the same name on another client prompts for the
        password; signing in there adds a device: the first client stays
        connected and goes on (nobody is signed out)."""
        alice = await self.connect("alice")
        await alice.ask(
            f"/register {PASSWORD}",
            "alice is now your account and you are signed in to it",
        )
        self.assertNotIn(PASSWORD, alice.text())
        laptop = await self.connect_signing_in("alice")
        self.assertIn("Password for alice", laptop.text())
        laptop.type_line(PASSWORD)
        await laptop.when(lambda model: model.page == Page.LOBBY)
        await self.in_room(alice, "tea")
        self.assertTrue(alice.model.connected)
        self.assertIsNone(alice.controller.ended)
        self.assertNotIn("signed in from somewhere else", alice.text())

    async def test_a_kick_leaves_a_notice_in_the_lobby(self) -> None:
        """The kicked user is back in the lobby with the notice; the owner's
        room says who was kicked."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, "tea")
        await bob.when(lambda model: "tea" in model.rooms)
        await self.in_room(bob, "tea")
        alice.type_line("/kick bob too much sugar")
        await bob.when(lambda model: model.page == Page.LOBBY)
        await bob.when(lambda model: "kicked" in model.alert)
        self.assertIn("You were kicked from tea by alice: too much sugar", bob.text())
        await alice.when(alice.has_message("bob was kicked by alice (too much sugar)"))

    async def connect_signing_in(self, name: str) -> Client:
        """A client given a registered ``name``: it waits at the password."""
        client = Client(lambda: self.port, name)
        self.clients.append(client)
        await client.controller.start()
        await client.when(lambda model: model.password_for == name)
        return client
