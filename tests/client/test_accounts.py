"""Signing in, signing in again after a reconnect, and passwords kept out of sight.

The server is scripted in the wire syntax of docs/protocol.md (*Accounts*):
a real controller, model and screen over a ``StringTransport``
(:class:`tests.client.test_controller.FakeServer`), every timer on a
``task.Clock``, keys pressed with ``keypress(size, key)``.
"""

from __future__ import annotations

from pathlib import Path

from twisted.trial import unittest

from chatroom.client.accounts import Credentials, masked, secret_start
from chatroom.client.controller import Backoff, ChatController
from chatroom.client.logfile import RoomLogger
from chatroom.client.model import Page, SessionModel
from chatroom.client.view import ChatScreen
from chatroom.wire.signin import ACCOUNTS_ONLY, LOGIN_HINT
from tests.client.support import (
    SIZE,
    ScreenTestCase,
    feed,
    screen_text,
    type_text,
)
from tests.client.test_controller import ControllerTestCase, FakeServer

PASSWORD = "hunter22"


class MaskingTests(unittest.TestCase):
    """Which typed lines carry passwords, and how they are shown."""

    def test_secret_commands_masked(self) -> None:
        """Only the passwords go: the command and a /login's name stay."""
        self.assertEqual(masked("/register hunter22"), "/register ********")
        self.assertEqual(masked("/REGISTER hunter22"), "/REGISTER ********")
        self.assertEqual(
            masked("/password old12345 new12345"), "/password " + "*" * 8 + " ********"
        )
        self.assertEqual(masked("/unregister hunter22"), "/unregister ********")
        self.assertEqual(masked("/login alice hunter22"), "/login alice ********")

    def test_a_passphrase_shows_as_one_password(self) -> None:
        """A passphrase's words do not show: one mask per password."""
        self.assertEqual(
            masked("/login alice correct horse battery staple"),
            "/login alice ********",
        )
        self.assertEqual(
            masked('/password "correct horse" "battery staple here"'),
            "/password ******** ********",
        )
        self.assertEqual(masked("/login alice "), "/login alice")

    def test_every_length_looks_the_same(self) -> None:
        """A masked password does not give away its length."""
        self.assertEqual(masked("/register a"), masked("/register abcdefghijklmnop"))

    def test_held_password_not_in_a_repr(self) -> None:
        """The held credentials print without the password (a traceback or
        a debugging print shows the account only)."""
        held = Credentials("alice", PASSWORD)
        self.assertNotIn(PASSWORD, repr(held))
        self.assertIn("alice", repr(held))

    def test_other_lines_untouched(self) -> None:
        """Messages, other commands and a message that merely mentions
        /register are not secret."""
        for line in ("hello", "/msg bob /register x", "//register x", "/join tea k"):
            self.assertIsNone(secret_start(line), line)
            self.assertEqual(masked(line), line)


class PasswordFieldTests(ScreenTestCase):
    """The username page's password prompt, on a real screen."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, "HELLO chatroom 1 hi")
        self.model.ask_password("alice", "alice is a registered name")

    def test_typed_password_is_masked(self) -> None:
        """What is typed shows as stars, and the page says so (not "it is
        not shown" over a row of stars); the caption names the account."""
        type_text(self.screen, PASSWORD)
        rows = screen_text(self.screen)
        self.assertEqual(rows[-1].rstrip(), "Password for alice: ********")
        self.assertNotIn(PASSWORD, "\n".join(rows))
        self.assertIn("each character shows as *", "\n".join(rows))
        self.assertNotIn("not shown", "\n".join(rows))
        self.assertIn("alice is a registered name", "\n".join(rows))

    def test_enter_signs_in_and_forgets(self) -> None:
        """Enter hands the password over, empties the field and keeps it out
        of the input history (Up recalls nothing)."""
        type_text(self.screen, "earlier line")
        self.screen.history.add("earlier line")
        self.screen.input.set_edit_text("")
        type_text(self.screen, PASSWORD)
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.actions.passwords, [PASSWORD])
        self.assertEqual(self.actions.submitted, [])
        self.assertEqual(self.screen.input.edit_text, "")
        self.assertNotIn(PASSWORD, self.screen.history.lines)
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "")

    def test_leaving_the_prompt_clears_it(self) -> None:
        """Back to choosing a name, a half-typed password is not shown in
        clear: the field is emptied and unmasked."""
        type_text(self.screen, "hunt")
        self.model.ask_name()
        self.assertEqual(self.screen.input.edit_text, "")
        type_text(self.screen, "bob")
        self.assertEqual(screen_text(self.screen)[-1].rstrip(), "Username: bob")

    def test_typed_secret_command_masked_while_typing(self) -> None:
        """In the lobby, ``/register PASSWORD`` shows stars as it is typed."""
        feed(self.model, "WELCOME alice", "ROOMS 0")
        type_text(self.screen, f"/register {PASSWORD}")
        rows = screen_text(self.screen)
        self.assertEqual(rows[-1].rstrip(), "Room or /command: /register ********")
        self.assertEqual(self.screen.render(SIZE, focus=True).cursor, (36, 23))


class SignInTestCase(ControllerTestCase):
    """A real controller and screen; no --username, so the user types."""

    username = None

    def setUp(self) -> None:
        super().setUp()
        self.screen = ChatScreen(self.model, self.controller, "example:8080")
        self.logs = Path(self.mktemp())
        self.logger = RoomLogger(self.model, self.logs)
        self.addCleanup(self.logger.close)

    def type_line(self, text: str) -> None:
        type_text(self.screen, text)
        self.screen.keypress(SIZE, "enter")

    def signed_in(self) -> None:
        """alice is registered: the name, then its password, then the lobby."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.type_line(PASSWORD)
        self.assertEqual(self.server.sent(), [f"/login alice {PASSWORD}"])
        self.server.answer("WELCOME alice", "ROOMS 1", "ROOM general 0 256")
        self.server.answer("LOBBY watching")
        self.server.answer("CONVERSATIONS_END 0")  # the account's, asked

    def reconnect(self) -> list[str]:
        """Drop, wait out the first backoff, HELLO: what the client says."""
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        return self.server.sent()

    def everything_shown_or_kept(self) -> str:
        """The screen, every log, the log files and the input history."""
        files = "".join(path.read_text() for path in self.logs.glob("*.log"))
        logs = [entry.text for log in self.model.logs.by_key.values() for entry in log]
        return "\n".join(
            [*screen_text(self.screen), *logs, files, *self.screen.history.lines]
        )


class SignInTests(SignInTestCase):
    """From a registered name to the lobby."""

    def test_registered_name_asks_for_the_password(self) -> None:
        """NAME_REGISTERED turns the prompt into a masked password prompt;
        Enter sends ``/login NAME PASSWORD`` and WELCOME is the lobby."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        rows = screen_text(self.screen)
        self.assertIn("alice is a registered name", "\n".join(rows))
        self.assertTrue(rows[-1].startswith("Password for alice: "))
        self.type_line(PASSWORD)
        self.assertEqual(self.server.sent(), [f"/login alice {PASSWORD}"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.assertEqual(self.model.page, Page.LOBBY)
        self.assertNotIn(PASSWORD, self.everything_shown_or_kept())

    def test_wrong_password_asks_again(self) -> None:
        """BAD_PASSWORD keeps the prompt and says so."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.type_line("wrong123")
        self.server.answer("ERR BAD_PASSWORD wrong password")
        self.assertIn(
            "wrong password for alice; try again", "\n".join(screen_text(self.screen))
        )
        self.type_line(PASSWORD)
        self.assertEqual(
            self.server.sent(), ["/login alice wrong123", f"/login alice {PASSWORD}"]
        )

    def test_rate_limited_sign_in_is_not_resent(self) -> None:
        """RATE_LIMITED to a /login says how long to wait and is not sent
        again (that would only fail again): unlike a flood refusal."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("/login alice")
        self.type_line("wrong123")
        self.server.sent()
        self.server.answer("ERR RATE_LIMITED too many failed sign-ins: wait 30 seconds")
        self.clock.advance(60)
        self.assertEqual(self.server.sent(), [])
        self.assertIn("wait 30 seconds", "\n".join(screen_text(self.screen)))
        self.assertEqual(self.model.password_for, "alice")

    def test_no_such_account_asks_for_a_name(self) -> None:
        """``/login bob`` (typed) asks for bob's password; NO_SUCH_ACCOUNT goes
        back to the name prompt, saying why."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("/login bob")
        self.assertEqual(self.server.sent(), [])
        self.assertTrue(screen_text(self.screen)[-1].startswith("Password for bob: "))
        self.type_line(PASSWORD)
        self.server.answer("ERR NO_SUCH_ACCOUNT no account bob")
        rows = screen_text(self.screen)
        self.assertIn("there is no account called bob", "\n".join(rows))
        self.assertTrue(rows[-1].startswith("Username: "))

    def test_account_required(self) -> None:
        """A server that takes accounts only asks for the password of the
        name, saying why in the words every client says it in (the server's
        reason, without the line protocol's ``/login`` the user does not
        type here): a lockdown's reason is its own."""
        for reason in (ACCOUNTS_ONLY, "the server is locked down: only accounts"):
            self.server.say("HELLO chatroom 1 hi")
            self.type_line("carol")
            self.server.answer(f"ERR ACCOUNT_REQUIRED {reason}{LOGIN_HINT}")
            shown = "\n".join(screen_text(self.screen))
            self.assertIn(reason, shown)
            self.assertNotIn("/login NAME", shown)
            self.assertEqual(self.model.password_for, "carol")
            self.screen.keypress(SIZE, "esc")  # back to the name

    def test_banned(self) -> None:
        """BANNED shows the server's reason on the name prompt."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("/login alice " + PASSWORD)
        self.server.answer("ERR BANNED you are banned from this server")
        self.assertIn(
            "you are banned from this server", "\n".join(screen_text(self.screen))
        )
        self.assertIsNone(self.model.password_for)

    def test_a_closed_server(self) -> None:
        """Under the lockdown's ``closed`` a name or a sign-in is refused
        ``SERVER_CLOSED``: the name prompt says why."""
        self.server.say("HELLO chatroom 1 hi")
        for line in ("carol", f"/login alice {PASSWORD}"):
            self.screen.keypress(SIZE, "ctrl u")
            self.type_line(line)
            self.server.answer(
                "ERR SERVER_CLOSED the server is closed to new sessions: only "
                "admins may sign in"
            )
            rows = screen_text(self.screen)
            self.assertIn("only admins may sign in", "\n".join(rows))
            self.assertTrue(rows[-1].startswith("Username: "), rows[-1])
        self.assertIsNone(self.model.password_for)

    def test_nick_to_a_registered_name(self) -> None:
        """``/nick NAME`` on the username page is a name like any other: a
        registered one asks for its own password, not an earlier name's."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("bob")
        self.server.answer("ERR NAME_TAKEN bob is taken")
        self.screen.keypress(SIZE, "ctrl u")  # "bob" stays to correct
        self.type_line("/nick alice")
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.assertEqual(self.model.password_for, "alice")

    def test_esc_goes_back_to_the_name(self) -> None:
        """Esc at the password prompt clears it and asks for a name again."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        type_text(self.screen, "hun")
        self.screen.keypress(SIZE, "esc")
        self.assertEqual(screen_text(self.screen)[-1].rstrip(), "Username:")
        self.type_line("alicia")
        self.assertEqual(self.server.sent(), ["alicia"])

    def test_typed_login_kept_out_of_history(self) -> None:
        """A whole ``/login NAME PASSWORD`` typed on the name page is sent,
        never recalled, never shown."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line(f"/login alice {PASSWORD}")
        self.assertEqual(self.server.sent(), [f"/login alice {PASSWORD}"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.screen.keypress(SIZE, "ctrl p")
        self.assertEqual(self.screen.input.edit_text, "")
        self.assertNotIn(PASSWORD, self.everything_shown_or_kept())


class SignInAgainTests(SignInTestCase):
    """A reconnect signs in again with the password held for the session."""

    def test_reconnect_signs_in_again(self) -> None:
        """After a reconnect the client sends ``/login``, not the bare name
        (which the server would refuse), then rejoins its room."""
        self.signed_in()
        self.type_line("tea")
        self.server.say("JOINED tea 1 256", "MEMBERS tea alice")
        self.server.say("@41 MSG tea alice 2026-11-21T18:04:05.123Z hi")
        self.assertEqual(self.reconnect(), [f"/login alice {PASSWORD}"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.assertEqual(self.server.sent(), ["/watch on"])
        self.server.say("UNREAD_END")  # the account's rooms given back unasked
        self.assertEqual(self.server.sent(), ["/join tea since 41"])
        self.assertNotIn(PASSWORD, self.everything_shown_or_kept())

    def test_register_then_reconnect(self) -> None:
        """``/register`` typed in the lobby: the reconnect signs in with it;
        after ``/password`` with the new one (a passphrase in quotes, held
        as the server reads it); after ``/unregister`` with the bare name
        again."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.answer("LOBBY watching")
        self.type_line(f"/register {PASSWORD}")
        self.server.answer("REGISTERED alice")
        self.assertEqual(self.reconnect(), [f"/login alice {PASSWORD}"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.answer("LOBBY watching")
        self.server.answer("CONVERSATIONS_END 0")  # the account's, asked
        self.type_line(f'/password "{PASSWORD}" "tea and \\"biscuits\\""')
        self.server.answer("PASSWORD_CHANGED alice")
        self.assertEqual(self.reconnect(), ['/login alice tea and "biscuits"'])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.answer("LOBBY watching")
        self.server.answer("CONVERSATIONS_END 0")  # the account's, asked
        self.type_line('/unregister tea and "biscuits"')
        self.server.answer("UNREGISTERED alice")
        self.assertEqual(self.reconnect(), ["alice"])

    def test_register_when_already_registered(self) -> None:
        """``/register`` again, signed in to the name's account: the answer
        says it is already ours, not the server's words for a stranger
        ("alice is registered: /login alice PASSWORD"); /nick to someone
        else's registered name keeps the server's words."""
        self.signed_in()
        self.type_line("/register anotherpass")
        self.server.answer(
            "ERR NAME_REGISTERED alice is registered: /login alice PASSWORD"
        )
        text = "\n".join(screen_text(self.screen))
        self.assertIn("alice is already your account and you are signed in", text)
        self.assertNotIn("/login alice PASSWORD", text)
        self.type_line("/nick bob")
        self.server.answer("ERR NAME_REGISTERED bob is registered: /login bob PASSWORD")
        self.assertIn(
            "bob is registered: /login bob", "\n".join(screen_text(self.screen))
        )

    def test_passwords_never_shown_logged_or_recalled(self) -> None:
        """/register, /password and /unregister: the screen, every log, the
        --log-dir files and the input history never hold the password, even
        for a line lost with the connection."""
        self.signed_in()
        self.type_line("tea")
        self.server.answer("JOINED tea 1 256", "MEMBERS tea alice")
        # What the client asks on joining: the owner, the account's level.
        self.server.answer("OWNER tea alice")
        self.server.answer("NOTIFY tea mentions")
        secrets = ["firstpw1", "secondpw2", "thirdpw3"]
        self.type_line(f"/register {secrets[0]}")
        self.server.answer("ERR NAME_REGISTERED alice already is")
        self.type_line(f"/password {PASSWORD} {secrets[1]}")
        self.server.answer("PASSWORD_CHANGED alice")
        self.type_line(f"/unregister {secrets[2]}")  # unanswered: the line is lost
        self.clock.advance(2)  # sent, past the pace the join's own lines used
        self.server.drop()
        shown = self.everything_shown_or_kept()
        for secret in [PASSWORD, *secrets]:
            self.assertNotIn(secret, shown)
        self.assertIn("not confirmed (type it again): /unregister ********", shown)
        self.assertIn("-- the password of alice was changed", shown)
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "tea")

    def test_wrong_held_password_asks(self) -> None:
        """The password was changed elsewhere: BAD_PASSWORD on the automatic
        sign-in asks the user, and the room is rejoined after (once the
        rooms the server gives back unasked are in)."""
        self.signed_in()
        self.type_line("tea")
        self.server.answer("JOINED tea 1 256", "MEMBERS tea alice")
        self.reconnect()
        self.server.answer("ERR BAD_PASSWORD wrong password")
        self.assertEqual(self.model.password_for, "alice")
        self.type_line("changed1")
        self.assertEqual(self.server.sent(), ["/login alice changed1"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.assertEqual(self.server.sent(), ["/watch on"])
        self.server.say("UNREAD_END")
        self.assertEqual(self.server.sent(), ["/join tea"])

    def test_prompt_kept_across_a_reconnect(self) -> None:
        """The connection drops while the password prompt is up: back, the
        prompt is still there (no bare name is sent), and signing in rejoins
        (the room the server did not give back unasked, once ``/unread`` is
        answered)."""
        self.signed_in()
        self.type_line("tea")
        self.server.answer("JOINED tea 1 256", "MEMBERS tea alice")
        self.reconnect()
        self.server.answer("ERR BAD_PASSWORD wrong password")
        self.server.drop()
        self.clock.advance(2)
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), [])
        self.assertTrue(screen_text(self.screen)[-1].startswith("Password for alice"))
        self.type_line("changed1")
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.assertEqual(self.server.sent(), ["/login alice changed1", "/watch on"])
        self.server.say("UNREAD_END")
        self.assertEqual(self.server.sent(), ["/join tea"])

    def test_rooms_given_back_unasked_are_not_joined_again(self) -> None:
        """Signed in again to an account whose rooms the server put back:
        their join replies come unasked, so only the room that did not come
        back is asked for, and tea's history shows its old line once."""
        self.signed_in()
        for room in ("cafe", "tea"):
            self.type_line(f"/join {room}")
            self.server.say(f"JOINED {room} 1 256", f"MEMBERS {room} alice")
            self.server.say(f"@7 MSG {room} bob 2026-11-21T18:00:00.000Z {room} news")
        self.assertEqual(self.reconnect(), [f"/login alice {PASSWORD}"])
        self.server.answer(
            "WELCOME alice",
            "ROOMS 0",
            "JOINED tea 2 256",
            "MEMBERS tea bob alice",
            "@7 HISTORY tea bob 2026-11-21T18:00:00.000Z tea news",
            "READ tea *",
        )
        self.assertFalse([x for x in self.server.sent() if x.startswith("/join")])
        self.server.say("UNREAD_END")
        self.assertEqual(
            [line for line in self.server.sent() if line.startswith("/join")],
            ["/join cafe since 7"],
        )
        self.model.focus_number(2)
        shown = "\n".join(screen_text(self.screen))
        self.assertEqual(shown.count("tea news"), 1, shown)

    def test_password_from_the_environment(self) -> None:
        """--username with CHATROOM_PASSWORD signs in on HELLO, unasked."""
        server = FakeServer()
        controller = ChatController(
            SessionModel(),
            server.connect,
            self.clock,
            "example:8080",
            username="alice",
            password=PASSWORD,
            backoff=Backoff(),
        )
        self.successResultOf(controller.start())
        server.say("HELLO chatroom 1 hi")
        self.assertEqual(server.sent(), [f"/login alice {PASSWORD}"])

    def test_another_name_after_a_failed_sign_in(self) -> None:
        """The password held from the start is refused; the user chooses
        another name, which is registered too: it is that name's password
        the page asks for."""
        server = FakeServer()
        model = SessionModel()
        controller = ChatController(
            model, server.connect, self.clock, "example:8080", "alice", password="x"
        )
        self.successResultOf(controller.start())
        server.say("HELLO chatroom 1 hi")
        server.answer("ERR RATE_LIMITED wait 30 seconds")
        controller.cancel()
        controller.submit("bob")
        server.answer("ERR NAME_REGISTERED bob is registered")
        self.assertEqual(model.password_for, "bob")


class PassphraseTests(SignInTestCase):
    """A passphrase goes to the server as typed, and is held as typed."""

    PHRASE = "correct horse battery staple"

    def test_the_prompt_and_a_typed_login_send_the_whole_phrase(self) -> None:
        """At the password prompt, and in a typed ``/login NAME PHRASE``,
        the phrase is sent whole; a reconnect signs in with it."""
        self.server.say("HELLO chatroom 1 hi")
        self.type_line("alice")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.type_line(self.PHRASE)
        self.assertEqual(self.server.sent(), [f"/login alice {self.PHRASE}"])
        self.server.answer("ERR BAD_PASSWORD wrong password")
        self.screen.keypress(SIZE, "esc")  # back to the name: /login typed
        self.type_line(f"/login alice {self.PHRASE} again")
        self.assertEqual(self.server.sent(), [f"/login alice {self.PHRASE} again"])
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.answer("LOBBY watching")
        self.server.answer("CONVERSATIONS_END 0")  # the account's, asked
        self.assertEqual(self.reconnect(), [f"/login alice {self.PHRASE} again"])
        self.assertNotIn(self.PHRASE, self.everything_shown_or_kept())
