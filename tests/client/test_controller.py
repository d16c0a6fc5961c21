"""The controller: commands out, reconnection with backoff, clean quitting.

Connections are ``StringTransport`` objects handed out by a fake connector,
and every timer runs on a ``task.Clock``.
"""

from __future__ import annotations

import re

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.client.controller import EVENTS, Backoff, ChatController, update_model
from chatroom.client.model import EntryKind, Page, SessionModel, log_key
from chatroom.client.moderation import DESCRIBERS
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.client.widgets import plain_text
from chatroom.wire.lines import EVENT_FIELDS, parse_event
from tests.support import STAMP

#: A ``/txn`` key is random: the tests read each as ``K`` (see
#: test_unacknowledged for the keys themselves).
KEY = re.compile(r"(?<=/txn )[A-Za-z0-9_-]+")


class FakeServer:
    """Hands out connections on demand and records what the client sent."""

    def __init__(self) -> None:
        self.refuse = False
        self.attempts = 0
        self.protocol: ChatClientProtocol | None = None
        self.transport: StringTransport | None = None
        self.lines: list[str] = []
        self.pings: list[str] = []
        self.caps = 0
        self.unreads = 0
        self.conversations = 0
        self.limits = 0
        #: Every ``/txn`` key the client sent, in order, on any connection.
        self.keys: list[str] = []

    def connect(self, factory: ChatClientFactory) -> Deferred[ChatClientProtocol]:
        self.attempts += 1
        if self.refuse:
            return fail(ConnectionRefusedError())
        self.protocol = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.lines, self.pings = [], []
        self.protocol.makeConnection(self.transport)
        return succeed(self.protocol)

    def say(self, *lines: str) -> None:
        assert self.protocol is not None
        for line in lines:
            self.protocol.dataReceived(line.encode() + b"\r\n")

    def sent(self) -> list[str]:
        """Lines the client sent since the last call (its PINGs noted apart)."""
        self._read()
        lines, self.lines = self.lines, []
        return lines

    def _read(self) -> None:
        assert self.transport is not None
        data = self.transport.value().decode()
        self.transport.clear()
        for line in data.split("\r\n")[:-1]:
            if line.startswith("PING "):
                self.pings.append(line.removeprefix("PING "))
            elif (
                line == "/caps ids multi rich"
            ):  # first on every connection; see CapsTests
                self.caps += 1
            elif line == "/unread":  # on signing in to an account; see BufferTests
                self.unreads += 1
            elif line == "/conversations":  # ditto; see ConversationTests
                self.conversations += 1
            elif line == "/limits":  # once the pace holds a line; see LimitsTests
                self.limits += 1
            else:
                self.keys.extend(KEY.findall(line))
                self.lines.append(KEY.sub("K", line))

    def answer(self, *lines: str) -> None:
        """Reply to the oldest line not yet answered, then close it with its PONG."""
        self._read()
        token = next(ping for ping in self.pings if ping.startswith("q"))
        self.pings.remove(token)
        self.say(*lines, f"PONG {token}")

    def drop(self) -> None:
        assert self.protocol is not None
        self.protocol.connectionLost(Failure(ConnectionDone("closed")))


class ControllerTestCase(unittest.TestCase):
    """A controller on a fake server and a clock."""

    username: str | None = "alice"

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeServer()
        self.model = self.make_model()
        self.exits = 0
        self.controller = ChatController(
            self.model,
            self.server.connect,
            self.clock,
            "example:8080",
            username=self.username,
            on_exit=self.exited,
            backoff=Backoff(initial=1, maximum=4),
        )
        self.successResultOf(self.controller.start())

    def make_model(self) -> SessionModel:
        """The model the controller drives (stamped with the real time)."""
        return SessionModel()

    def exited(self) -> None:
        self.exits += 1

    def into_room(self) -> None:
        """Name taken, lobby watched, then in tea (its /who still unanswered)."""
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("WELCOME alice", "ROOMS 1", "ROOM general 0 256")
        self.server.answer("LOBBY watching")
        self.server.say("JOINED tea 1 256", "MEMBERS tea alice")
        self.server.sent()

    def notes(self, room: str | None = None) -> list[str]:
        """The log's lines: the page's on screen, or ``room``'s."""
        log = (
            self.model.logs.by_key[log_key(Page.ROOM, room)] if room else self.model.log
        )
        return [entry.text for entry in log]


class LoginTests(ControllerTestCase):
    """Taking a name and watching the lobby."""

    def test_username_sent_on_hello(self) -> None:
        """--username is sent as soon as the server greets; then lobby pushes are on."""
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.say("WELCOME alice")
        self.assertEqual(self.server.sent(), ["/watch on"])
        self.assertIn("as alice", self.model.status)


class PromptTests(ControllerTestCase):
    """Without --username the user types the name."""

    username = None

    def test_typed_name_sent(self) -> None:
        """On the username page a plain line is the name; a taken one can be retried."""
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), [])
        self.assertTrue(self.controller.submit("alice"))
        self.server.say("ERR NAME_TAKEN alice is taken")
        self.assertEqual(self.model.page, Page.USERNAME)
        self.controller.submit("alicia")
        self.assertEqual(self.server.sent(), ["alice", "alicia"])


class CommandTests(ControllerTestCase):
    """What typed lines turn into."""

    def setUp(self) -> None:
        super().setUp()
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice", "ROOMS 1")
        self.server.say("ROOM general 0 256")
        self.server.sent()

    def test_lobby_name_creates_or_joins(self) -> None:
        """In the lobby a plain name joins that room if it exists, else creates it."""
        self.controller.submit("general")
        self.controller.submit("tea")
        self.controller.join("general")
        self.assertEqual(
            self.server.sent(), ["/join general", "/create tea", "/join general"]
        )

    def test_lobby_name_matches_rooms_as_the_server_does(self) -> None:
        """Typing GENERAL joins general: room names ignore case, as on the server."""
        self.controller.submit("GENERAL")
        self.assertEqual(self.server.sent(), ["/join GENERAL"])

    def test_commands_pass_through(self) -> None:
        """/commands go to the server as typed."""
        self.controller.submit("/msg bob hi there")
        self.assertEqual(self.server.sent(), ["/txn K /msg bob hi there"])

    def test_help_lists_keys_and_commands(self) -> None:
        """/help shows the key bindings and the commands, from the client
        (the server's is the protocol's reference, see .helptext)."""
        self.controller.submit("/help")
        help_texts = [e.text for e in self.model.log if e.kind == EntryKind.HELP]
        self.assertTrue(any("page up" in text for text in help_texts))
        self.assertTrue(any("tab" in text for text in help_texts))
        self.assertTrue(any(text.startswith("/join ROOM") for text in help_texts))
        self.assertEqual(self.server.sent(), [])

    def test_room_lines_are_messages(self) -> None:
        """In a room a plain line goes to that room, by name (``/in``: the
        server makes it a message there, whatever its current room)."""
        self.server.say("JOINED tea 1 256")
        self.assertEqual(self.server.sent(), ["/in tea /who"])  # the owner
        self.controller.submit("hello all")
        self.assertEqual(self.server.sent(), ["/txn K /say tea hello all"])


class HelpAndClearTests(ControllerTestCase):
    """``/help`` and ``/clear`` are the client's own: nothing is sent."""

    def test_help_is_the_clients_own(self) -> None:
        """``/help`` lists the keys and the commands in the log, for
        people, and asks the server nothing."""
        self.into_room()
        self.controller.submit("/help")
        self.assertEqual(self.server.sent(), [])
        notes = self.notes()
        self.assertIn("keys:", notes)
        self.assertTrue(any(note.startswith("/clear") for note in notes))

    def test_clear_empties_the_buffer_on_screen(self) -> None:
        """``/clear`` empties the log on screen, and only that one."""
        self.into_room()
        self.server.say("MSG tea bob 2026-11-21T18:04:05.123Z hello")
        self.server.sent()
        self.controller.submit("/clear")
        self.assertEqual((self.notes(), self.server.sent()), ([], []))
        self.server.say("MSG tea bob 2026-11-21T18:04:06.123Z again")
        self.assertEqual(self.notes(), ["again"])


class QuitTests(ControllerTestCase):
    """Leaving cleanly."""

    def test_quit_waits_for_server_close(self) -> None:
        """/quit is sent; the client exits when the server closes, and stays gone."""
        self.into_room()
        self.controller.submit("/quit off to bed")
        self.assertEqual(self.server.sent(), ["/quit off to bed"])
        self.assertEqual(self.exits, 0)
        self.server.say("BYE off to bed")
        self.server.drop()
        self.assertEqual(self.exits, 1)
        self.clock.advance(60)
        self.assertEqual(self.server.attempts, 1)

    def test_quit_closes_if_server_does_not(self) -> None:
        """A server that never closes after /quit is hung up on after a grace period."""
        self.controller.quit()
        assert self.server.transport is not None
        self.assertFalse(self.server.transport.disconnecting)
        self.clock.advance(2)
        self.assertTrue(self.server.transport.disconnecting)

    def test_quit_while_disconnected(self) -> None:
        """Quitting while waiting to reconnect exits at once and stops retrying."""
        self.into_room()
        self.server.drop()
        self.controller.quit()
        self.assertEqual(self.exits, 1)
        self.clock.advance(60)
        self.assertEqual(self.server.attempts, 1)


class ReconnectTests(ControllerTestCase):
    """Connection loss: say so, retry with backoff, take back name and room."""

    def test_loss_shown_and_retried_with_backoff(self) -> None:
        """The status bar says disconnected; retries come after 1, 2, 4, 4 seconds."""
        self.into_room()
        self.server.refuse = True
        self.server.drop()
        self.assertFalse(self.model.connected)
        self.assertIn("disconnected", self.model.status)
        self.assertIn("retry in 1s", self.model.status)
        for delay, attempts in ((1, 2), (2, 3), (4, 4), (4, 5)):
            self.clock.advance(delay - 0.01)
            self.assertEqual(self.server.attempts, attempts - 1)
            self.clock.advance(0.01)
            self.assertEqual(self.server.attempts, attempts)

    def test_name_and_room_taken_back(self) -> None:
        """After reconnecting the client takes its name and room again and says so."""
        self.into_room()
        self.server.say("BYE server shutting down")
        self.server.drop()
        self.assertIn(
            "connection lost: server shutting down; reconnecting", self.notes()
        )
        self.assertIn("server shutting down", self.model.status)
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.say("WELCOME alice")
        self.assertEqual(self.server.sent(), ["/watch on", "/join tea"])
        self.server.say("JOINED tea 1 256")
        self.assertEqual(self.model.page, Page.ROOM)
        self.assertTrue(self.model.connected)
        self.assertEqual(self.notes("tea").count("reconnected"), 1)
        self.assertEqual(self.notes("tea").count("you joined tea"), 1)

    def test_forgotten_room_recreated(self) -> None:
        """If the restarted server no longer has the room, the client creates it."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.server.sent()
        self.server.say("ERR NO_SUCH_ROOM no room called tea")
        self.assertEqual(self.server.sent(), ["/create tea"])

    def test_name_held_by_lost_session_is_retried(self) -> None:
        """NAME_TAKEN after a reconnect: retry the name until the ghost is gone."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.say("ERR NAME_TAKEN alice is taken, choose another name")
        self.assertIn("still held by the lost session", self.notes()[-1])
        self.clock.advance(1.9)
        self.assertEqual(self.server.sent(), [])
        self.clock.advance(0.1)
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.say("ERR NAME_TAKEN alice is taken, choose another name")
        self.clock.advance(4)
        self.assertEqual(self.server.sent(), ["alice"])
        self.server.say("WELCOME alice")
        self.assertEqual(self.server.sent(), ["/watch on", "/join tea"])

    def test_typed_name_replaces_the_retry(self) -> None:
        """A name the user types while the old one is retried wins; no more retries."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "ERR NAME_TAKEN alice is taken")
        self.server.sent()
        self.controller.submit("alice2")
        self.assertEqual(self.server.sent(), ["alice2"])
        self.clock.advance(60)
        self.assertEqual(self.server.sent(), [])

    def test_backoff_resets_after_success(self) -> None:
        """A restored session starts the next backoff from the shortest delay."""
        self.into_room()
        self.server.refuse = True
        self.server.drop()
        self.clock.advance(1)
        self.clock.advance(2)
        self.server.refuse = False
        self.clock.advance(4)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice", "JOINED tea 1 256")
        self.server.drop()
        self.assertIn("retry in 1s", self.model.status)

    def test_unsent_while_disconnected(self) -> None:
        """A command typed while disconnected is refused (the screen keeps
        it); what is said waits instead (see test_unacknowledged)."""
        self.into_room()
        self.server.drop()
        self.assertFalse(self.controller.submit("/topic scones"))
        self.assertIn("not connected: that line was not sent", self.notes())


class RejoinRaceTests(ControllerTestCase):
    """Two members of a forgotten room come back at once (defect 2)."""

    def test_room_recreated_by_someone_else_is_joined(self) -> None:
        """NO_SUCH_ROOM, then ROOM_EXISTS from /create: join it and be inside."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.assertEqual(self.server.sent(), ["alice", "/watch on", "/join tea"])
        self.server.say("ERR NO_SUCH_ROOM there is no room called tea")
        self.assertEqual(self.server.sent(), ["/create tea"])
        self.server.say("ERR ROOM_EXISTS tea already exists; /join it")
        self.assertEqual(self.server.sent(), ["/join tea"])
        self.server.say("JOINED tea 2 256", "MEMBERS tea bob alice")
        self.assertEqual(self.model.page, Page.ROOM)
        self.assertNotIn("could not rejoin tea", self.notes())
        self.assertIn("tea was created again by someone else; joining it", self.notes())

    def test_gives_up_after_a_few_rounds(self) -> None:
        """A room that keeps vanishing ends the rejoin, said once, in the lobby."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.server.sent()
        for _ in range(5):
            self.server.say("ERR NO_SUCH_ROOM there is no room called tea")
            self.server.say("ERR ROOM_EXISTS tea already exists; /join it")
        self.assertIn("could not rejoin tea", self.notes())
        self.assertEqual(self.model.page, Page.LOBBY)


class TypedListingTests(ControllerTestCase):
    """/who and /list typed in a room show their answers (defect 3)."""

    def test_who_in_a_room_lists_members(self) -> None:
        """The answer to a typed /who is shown; the client's own /who is not."""
        self.into_room()
        self.server.answer("MEMBERS tea alice", "OWNER tea alice")  # automatic /who
        self.assertFalse(any("members of" in note for note in self.notes()))
        self.controller.submit("/who")
        self.assertEqual(self.server.sent(), ["/in tea /who"])
        self.server.answer("MEMBERS tea alice bob")
        self.assertIn("members of tea (2): @alice, bob", self.notes())

    def test_list_in_a_room_lists_rooms(self) -> None:
        """The answer to a typed /list is shown in the room's log."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")
        self.controller.submit("/list")
        self.server.answer(
            "ROOMS 2", "ROOM general 3 256", "ROOM tea 1 256 Tea and biscuits"
        )
        notes = self.notes()
        self.assertIn("rooms (2):", notes)
        self.assertIn("  general 3/256", notes)
        self.assertIn("  tea 1/256 · Tea and biscuits", notes)


class WatchTests(ControllerTestCase):
    """/watch typed by hand keeps the lobby list honest (defect 6)."""

    def setUp(self) -> None:
        super().setUp()
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice", "ROOMS 0")
        self.server.answer()  # the name
        self.server.answer("LOBBY watching")  # the client's own /watch on
        self.server.sent()

    def test_watch_off_marks_the_list_stale(self) -> None:
        """After /watch off the list says it is no longer kept up to date."""
        self.controller.submit("/watch off")
        self.server.answer("LOBBY not watching")
        self.assertFalse(self.model.watching)
        self.assertIn("the room list is no longer updated", self.notes()[-1])

    def test_watch_on_refreshes_the_list(self) -> None:
        """/watch on asks for the whole list: changes made meanwhile were not pushed."""
        self.controller.submit("/watch off")
        self.server.answer("LOBBY not watching")
        self.controller.submit("/watch on")
        self.server.answer("LOBBY watching")
        self.assertEqual(self.server.sent(), ["/watch off", "/watch on", "/list"])
        self.server.answer("ROOMS 1", "ROOM tea 2 256")
        self.assertTrue(self.model.watching)
        self.assertEqual(list(self.model.rooms), ["tea"])

    def test_watch_off_is_kept_after_a_reconnect(self) -> None:
        """A user who turned pushes off is not turned back on by a reconnect."""
        self.controller.submit("/watch off")
        self.server.answer("LOBBY not watching")
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.assertEqual(self.server.sent(), ["alice"])


class LobbyNameTests(ControllerTestCase):
    """A bad room name typed in the lobby (defect 7)."""

    def test_bad_room_name_explained_not_sent(self) -> None:
        """The client says what a room name may be; nothing is sent, the line kept."""
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.server.sent()
        self.assertFalse(self.controller.submit("bad room!"))
        self.assertEqual(self.server.sent(), [])
        self.assertIn("“bad room!” cannot be a room name", self.notes()[-1])
        self.assertFalse(any("/create" in note for note in self.notes()))


class ControllerPasteTests(ControllerTestCase):
    """Typed lines are paced, and a refused one is named and resent (defect 4)."""

    def test_thirty_lines_all_sent_in_order(self) -> None:
        """A 30-line paste reaches the server whole, in order, at the pace allowed."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")  # the client's own /who
        pasted = [f"line {number}" for number in range(30)]
        for text in pasted:
            self.assertTrue(self.controller.submit(text))
        # The server takes a burst of 20; the rest must wait their turn.
        at_once = self.server.sent()
        self.assertLessEqual(len(at_once), 20)
        self.clock.pump([1.0] * 30)
        self.assertEqual(
            at_once + self.server.sent(), [f"/txn K /say tea {t}" for t in pasted]
        )
        self.assertEqual(self.server.limits, 1)  # asked once, when first held

    def test_refused_line_named_and_resent(self) -> None:
        """ERR RATE_LIMITED says which line it was and that it is sent again."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")  # the client's own /who
        self.controller.submit("first")
        self.controller.submit("second")
        self.server.sent()
        self.server.answer("ERR RATE_LIMITED slow down: at most 1 lines a second")
        self.assertEqual(
            self.notes()[-1],
            "the server refused “first” (slow down: at most 1 lines a second); "
            "sending it again",
        )
        self.server.answer("MSG tea alice 2026-11-21T18:04:05.123Z second")
        self.clock.advance(1)
        self.assertEqual(self.server.sent(), ["/txn K /say tea first"])

    def test_unsent_lines_reported_on_connection_loss(self) -> None:
        """Commands still queued when the connection drops are named in the
        log (what is said goes again with its key: test_unacknowledged)."""
        self.into_room()
        for number in range(25):
            self.controller.submit(f"/topic line {number}")
        self.server.drop()
        notes = self.notes()
        self.assertIn("not confirmed (↑ recalls it): /topic line 0", notes)
        self.assertIn("not sent (↑ recalls it): /topic line 24", notes)


class LimitsTests(ControllerTestCase):
    """Lines are paced to the server's own flood limits (``/limits``)."""

    def held_paste(self) -> list[str]:
        """In a room, 30 lines typed: some go, the pace holds the rest and
        ``/limits`` is asked; returns the lines as sent (to the room)."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")  # the client's own /who
        pasted = [f"line {number}" for number in range(30)]
        for text in pasted:
            self.assertTrue(self.controller.submit(text))
        self.assertLess(len(self.server.sent()), 30)
        self.assertEqual(self.server.limits, 1)
        return [f"/txn K /say tea {text}" for text in pasted]

    def test_a_server_without_a_limit_gets_the_rest_at_once(self) -> None:
        """``LIMITS 0 10 100`` (a server run with ``--rate 0``): the lines
        held go at once, and no line waits."""
        self.held_paste()
        self.server.say("LIMITS 0 10 100")
        self.assertEqual(self.server.sent()[-1], "/txn K /say tea line 29")
        self.assertEqual(self.controller.outbox.waiting, 0)
        self.assertEqual(self.model.queued, 0)  # the status bar says none wait

    def test_a_server_that_does_not_know_limits_changes_nothing(self) -> None:
        """An older server's ``ERR UNKNOWN_COMMAND`` for the question is not
        shown, and the paste goes on at the defaults' pace."""
        pasted = self.held_paste()
        lines = [token for token in self.server.pings if token.startswith("q")]
        for _ in lines[:-1]:  # the lines sent before it
            self.server.answer()
        self.server.answer("ERR UNKNOWN_COMMAND no such command: /limits")
        self.assertFalse(any("/limits" in note for note in self.notes()))
        self.clock.pump([1.0] * 30)
        self.assertEqual(self.server.sent()[-1], pasted[-1])

    def test_held_by_the_server_asks_its_limits_again(self) -> None:
        """Paced to ``LIMITS 0`` when the server's rate became 1 (a reload),
        a paste is held (``SLOW 1``): the client slows to 1 a second at
        once, asks the limits again, and follows the new answer."""
        self.held_paste()
        self.server.say("LIMITS 0 10 100")
        for number in range(3):
            self.assertTrue(self.controller.submit(f"more {number}"))
        self.assertEqual(self.server.sent()[-1], "/txn K /say tea more 2")  # no limit
        self.server.say("SLOW 1 you are sending more than 1 lines a second")
        self.assertEqual((self.server.sent(), self.server.limits), ([], 2))
        self.controller.submit("after")
        self.assertEqual(self.server.sent(), [])  # no burst left: it waits
        self.clock.advance(1)
        self.assertEqual(self.server.sent()[-1], "/txn K /say tea after")
        self.server.say("LIMITS 1 10 100")
        self.assertEqual(self.controller.outbox.rate, 1)

    def test_held_by_the_server_first_asks_its_limits_once(self) -> None:
        """A ``SLOW`` before the client's own pace ever held a line (lines
        bunched by the network): the limits are asked once, not again
        when the pace, slowed, holds the next line."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")
        self.server.say("SLOW 1 you are sending more than 1 lines a second")
        self.assertEqual((self.server.sent(), self.server.limits), ([], 1))
        for number in range(3):
            self.assertTrue(self.controller.submit(f"line {number}"))
        self.assertEqual(self.server.sent(), [])  # no burst left: they wait
        self.assertEqual(self.server.limits, 1)
        self.clock.advance(3)
        self.assertEqual(
            self.server.sent(),
            [
                "/txn K /say tea line 0",
                "/txn K /say tea line 1",
                "/txn K /say tea line 2",
            ],
        )

    def test_limits_typed_are_explained(self) -> None:
        """``/limits`` typed shows the server's answer in words."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")
        self.controller.submit("/limits")
        self.server.answer("LIMITS 2 10 100")
        self.assertEqual(
            self.notes()[-1],
            "you may send 10 lines at once, then 2 a second; past that they "
            "wait (at most 100)",
        )


class EventTableTests(unittest.TestCase):
    """The one table every server event goes through."""

    def test_every_event_is_of_the_grammar_and_every_wording_reachable(self) -> None:
        """Each event the table routes has named fields in the wire grammar
        (the model reads them by name), and every event ``moderation.py``
        words is routed to the model (else its line would never show)."""
        self.assertLessEqual(EVENTS.keys(), EVENT_FIELDS.keys())
        self.assertLessEqual(DESCRIBERS.keys(), EVENTS.keys())
        for word in DESCRIBERS:
            self.assertIsNotNone(EVENTS[word].update, word)

    def test_a_line_short_of_its_fields_is_no_crash(self) -> None:
        """A server line cut short (every field missing) changes what it
        can and raises nothing, whatever its event: each field reads as
        empty, as a garbled line should."""
        model = SessionModel()
        for word in ("HELLO", "WELCOME", "JOINED"):
            update_model(model, parse_event(f"{word} x 1 2"))
        for word in EVENTS:
            update_model(model, parse_event(word))


class ProfileTests(ControllerTestCase):
    """Display names beside what users say."""

    def test_a_display_name_goes_beside_the_users_lines(self) -> None:
        """bob's first line asks for his profile, once; its display name
        then shows beside his lines, those already shown too, and a later
        change (PROFILE, live) or its removal shows at once; a typed
        /profile's answer is in the log."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")  # the automatic /who
        self.server.say(f"MSG tea bob {STAMP} hello", f"MSG tea bob {STAMP} again")
        self.assertEqual(self.server.sent(), ["/profile bob"])
        self.server.say("PROFILE bob display-name Bob Smith", "PROFILE_END bob 1")
        shown = [plain_text(entry) for entry in self.model.logs.shown_lines]
        self.assertIn("<Bob Smith (bob)> hello", shown)
        self.server.say("PROFILE bob display-name Robert")
        self.server.say(f"MSG tea bob {STAMP} now Robert")
        shown = [plain_text(entry) for entry in self.model.logs.shown_lines]
        self.assertIn("<Robert (bob)> again", shown)
        self.assertIn("<Robert (bob)> now Robert", shown)
        self.server.say("PROFILE bob display-name")
        self.assertIn(
            "<bob> again", [plain_text(e) for e in self.model.logs.shown_lines]
        )
        self.assertEqual(self.server.sent(), [])
        self.controller.submit("/profile bob")
        self.server.answer("PROFILE bob pronouns he/him", "PROFILE_END bob 1")
        self.assertIn(
            "bob's pronouns: he/him",
            [e.text for e in self.model.logs.shown_lines],
        )
