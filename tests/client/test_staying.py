"""Staying signed in (issue 79, optional): a device session's token kept
in a file only its user can read, and signed in with on the next start."""

from __future__ import annotations

import stat
from pathlib import Path

from twisted.trial import unittest

from chatroom.client.controller import Backoff, ChatController
from chatroom.client.main import parse_arguments
from chatroom.client.model import Page, SessionModel
from chatroom.client.staying import SessionTokens, default_folder
from tests.client.end_to_end import Client, ClientTestCase
from tests.client.test_controller import ControllerTestCase, FakeServer

TOKEN = "k" * 43


class SessionTokensTests(unittest.TestCase):
    """The file of tokens."""

    def setUp(self) -> None:
        self.folder = Path(self.mktemp()) / "chatroom"
        self.tokens = SessionTokens(self.folder)

    def test_kept_by_server_and_account_for_its_user_only(self) -> None:
        """A token is kept by server and (folded) account, in a file of mode
        0600 in a folder of 0700; forgotten, it is gone."""
        self.tokens.keep("chat:8080", "Alice", TOKEN)
        self.assertEqual(self.tokens.token("chat:8080", "alice"), TOKEN)
        self.assertIsNone(self.tokens.token("other:8080", "alice"))
        self.assertEqual(stat.S_IMODE(self.tokens.path.stat().st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(self.folder.stat().st_mode), 0o700)
        self.tokens.forget("chat:8080", "ALICE")
        self.assertIsNone(SessionTokens(self.folder).token("chat:8080", "alice"))

    def test_a_broken_file_is_no_tokens(self) -> None:
        """A file that is not JSON: no token (the password is asked)."""
        self.folder.mkdir(parents=True)
        self.tokens.path.write_text("not json")
        self.assertIsNone(self.tokens.token("chat:8080", "alice"))

    def test_where_by_xdg(self) -> None:
        """``$XDG_STATE_HOME/chatroom``, else ``~/.local/state/chatroom``."""
        self.assertEqual(
            default_folder({"XDG_STATE_HOME": "/x"}), Path("/x") / "chatroom"
        )
        self.assertTrue(str(default_folder({})).endswith(".local/state/chatroom"))

    def test_chosen_on_the_command_line_or_in_the_settings(self) -> None:
        """``--stay-signed-in``, or ``[server] stay_signed_in = true``."""
        settings = Path(self.mktemp())
        settings.write_text("[server]\nstay_signed_in = true\n")
        arguments, _ = parse_arguments(["host", "--config", str(settings)])
        self.assertTrue(arguments.stay_signed_in)
        arguments, _ = parse_arguments(["host", "--config", "/nonexistent"])
        self.assertFalse(arguments.stay_signed_in)
        arguments, _ = parse_arguments(
            ["host", "--config", "/nonexistent", "--stay-signed-in"]
        )
        self.assertTrue(arguments.stay_signed_in)


class StayingSignedInTests(ControllerTestCase):
    """The controller with a place to keep tokens."""

    def setUp(self) -> None:
        self.tokens = SessionTokens(Path(self.mktemp()))
        super().setUp()
        self.controller.accounts.tokens = self.tokens
        self.controller.accounts.server = "example:8080"

    def signed_in_with_password(self) -> None:
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.controller.sign_in("secret99")
        self.server.answer("WELCOME alice", "ROOMS 0")

    def restarted(self) -> ChatController:
        """A new start of the client with ``--username alice``."""
        self.server = FakeServer()
        self.model = SessionModel()
        controller = ChatController(
            self.model,
            self.server.connect,
            self.clock,
            "example:8080",
            username="alice",
            backoff=Backoff(initial=1, maximum=4),
            tokens=self.tokens,
        )
        self.successResultOf(controller.start())
        return controller

    def test_kept_then_signed_in_with_on_the_next_start(self) -> None:
        """Signed in with the password: a session is asked and kept; the
        next start signs in with it, asking no password."""
        self.signed_in_with_password()
        self.assertIn("/session new", self.server.sent())
        self.server.answer("LOBBY watching")
        self.server.answer(f"SESSION {TOKEN} 2592000")
        self.assertEqual(self.tokens.token("example:8080", "alice"), TOKEN)
        controller = self.restarted()
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), [f"/session {TOKEN}"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.assertEqual(self.model.page, Page.LOBBY)
        self.assertTrue(controller.accounts.signed_in)
        self.assertNotIn("/session new", self.server.sent())
        self.assertEqual(self.server.conversations, 1)  # an account's

    def test_an_ended_session_asks_the_password(self) -> None:
        """The server ended it (``BAD_TOKEN``): forgotten, and the password
        prompt asks, as before there was one."""
        self.tokens.keep("example:8080", "alice", TOKEN)
        self.restarted()
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("ERR BAD_TOKEN that session has ended or is unknown")
        self.assertEqual(self.model.password_for, "alice")
        self.assertIn("signed out of alice", self.model.name_problem)
        self.assertIsNone(self.tokens.token("example:8080", "alice"))

    def test_session_end_forgets_it(self) -> None:
        """``/session end`` typed: ended at the server, forgotten here."""
        self.tokens.keep("example:8080", "alice", TOKEN)
        controller = self.restarted()
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.sent()
        controller.submit("/session end")
        self.assertEqual(self.server.sent(), ["/session end"])
        self.server.answer("LOBBY watching")
        self.server.answer("CONVERSATIONS_END 0")
        self.server.answer("SESSION_ENDED")
        self.assertIsNone(self.tokens.token("example:8080", "alice"))
        self.assertIn("session has ended", self.model.log[-1].text)

    def test_without_the_choice_nothing_is_kept(self) -> None:
        """Not asked to stay signed in: no session asked, none kept."""
        self.controller.accounts.tokens = None
        self.signed_in_with_password()
        self.assertNotIn("/session new", self.server.sent())


class StayingAgainstTheServerTests(ClientTestCase):
    """The real server's ``/session``: a restart signs in with the token."""

    async def test_a_restart_signs_in_without_the_password(self) -> None:
        """Signed in with its password and staying signed in, a client
        keeps a token; a new client (a restart) with the same name signs in
        with it, no password asked, and is the account's."""
        tokens = SessionTokens(Path(self.mktemp()))
        alice = await self.connect("alice")
        await alice.ask(
            "/register milk-or-lemon",
            "alice is now your account and you are signed in to it",
        )
        again = Client(lambda: self.port, "alice")
        again.controller.accounts.tokens = tokens
        again.controller.accounts.server = "127.0.0.1"
        self.clients.append(again)
        await again.controller.start()
        await again.when(lambda model: model.password_for == "alice")
        again.type_line("milk-or-lemon")
        await again.when(lambda model: model.page == Page.LOBBY)
        await again.when(lambda model: tokens.token("127.0.0.1", "alice") is not None)
        restarted = Client(lambda: self.port, "alice")
        restarted.controller.accounts.tokens = tokens
        restarted.controller.accounts.server = "127.0.0.1"
        self.clients.append(restarted)
        await restarted.controller.start()
        await restarted.when(lambda model: model.page == Page.LOBBY)
        self.assertTrue(restarted.controller.accounts.signed_in)
        self.assertIsNone(restarted.model.password_for)
