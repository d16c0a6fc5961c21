"""The controller: commands out, reconnection with backoff, clean quitting.

Connections are ``StringTransport`` objects handed out by a fake connector,
and every timer runs on a ``task.Clock``.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.client.controller import Backoff, ChatController
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol


class FakeServer:
    """Hands out connections on demand and records what the client sent."""

    def __init__(self) -> None:
        self.refuse = False
        self.attempts = 0
        self.protocol: ChatClientProtocol | None = None
        self.transport: StringTransport | None = None

    def connect(self, factory: ChatClientFactory) -> Deferred[ChatClientProtocol]:
        self.attempts += 1
        if self.refuse:
            return fail(ConnectionRefusedError())
        self.protocol = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        return succeed(self.protocol)

    def say(self, *lines: str) -> None:
        assert self.protocol is not None
        for line in lines:
            self.protocol.dataReceived(line.encode() + b"\r\n")

    def sent(self) -> list[str]:
        """Lines the client sent since the last call."""
        assert self.transport is not None
        data = self.transport.value().decode()
        self.transport.clear()
        return data.split("\r\n")[:-1]

    def drop(self) -> None:
        assert self.protocol is not None
        self.protocol.connectionLost(Failure(ConnectionDone("closed")))


class ControllerTestCase(unittest.TestCase):
    """A controller on a fake server and a clock."""

    username: str | None = "alice"

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeServer()
        self.model = SessionModel()
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

    def exited(self) -> None:
        self.exits += 1

    def into_room(self) -> None:
        self.server.say(
            "HELLO chatroom 1 hi",
            "WELCOME alice",
            "ROOMS 1",
            "ROOM general 0 256",
            "JOINED tea 1 256",
            "MEMBERS tea alice",
        )
        self.server.sent()

    def notes(self) -> list[str]:
        return [entry.text for entry in self.model.log]


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
        self.assertEqual(self.server.sent(), ["/msg bob hi there"])

    def test_help_lists_keys_and_asks_server(self) -> None:
        """/help shows the key bindings locally and the server's commands."""
        self.controller.submit("/help")
        help_texts = [e.text for e in self.model.log if e.kind == EntryKind.HELP]
        self.assertTrue(any("page up" in text for text in help_texts))
        self.assertTrue(any("tab" in text for text in help_texts))
        self.assertEqual(self.server.sent(), ["/help"])

    def test_room_lines_are_messages(self) -> None:
        """In a room a plain line goes out as is (the server makes it a message)."""
        self.server.say("JOINED tea 1 256")
        self.assertEqual(self.server.sent(), ["/who"])  # to learn the owner
        self.controller.submit("hello all")
        self.assertEqual(self.server.sent(), ["hello all"])


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
        self.assertIn("retrying in 1s", self.model.status)
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
        self.assertIn("reconnected as alice; rejoining tea", self.notes())
        self.server.say("JOINED tea 1 256")
        self.assertEqual(self.model.page, Page.ROOM)
        self.assertTrue(self.model.connected)

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
        self.assertIn("retrying in 1s", self.model.status)

    def test_unsent_while_disconnected(self) -> None:
        """A line typed while disconnected is refused (the screen keeps it)."""
        self.into_room()
        self.server.drop()
        self.assertFalse(self.controller.submit("hello?"))
        self.assertIn("not connected: that line was not sent", self.notes())
