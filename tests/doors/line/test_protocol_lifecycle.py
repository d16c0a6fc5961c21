"""The line protocol, continued: a room's owner and its deletion, history,
the lobby watch, /help and unknown commands, quitting, shutdown, and a
whole session over an in-memory connection."""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.test import iosim

from chatroom.core.model.config import ServerConfig
from chatroom.doors.line.protocol import LineProtocol
from chatroom.wiring.service import HubService
from tests.support import STAMP, FakeClient, ProtocolTestCase, until_pinged


class OwnershipTests(ProtocolTestCase):
    """Ownership passes to the longest-present member."""

    def test_owner_leaves(self) -> None:
        """When the owner leaves, the next-oldest member owns the room."""
        alice, bob, carol = self.create("tea", "alice", "bob", "carol")
        alice.send("/leave")
        expected = ["PART tea alice left", "OWNER tea bob"]
        self.assertEqual(bob.received(), expected)
        self.assertEqual(carol.received(), expected)
        carol.send("/who")
        self.assertEqual(carol.received(), ["MEMBERS tea bob carol", "OWNER tea bob"])

    def test_owner_disconnects(self) -> None:
        """A vanished owner passes the room on too; the new owner can delete."""
        alice, bob, carol = self.create("tea", "alice", "bob", "carol")
        alice.lose()
        self.assertEqual(
            carol.received(), ["PART tea alice connection lost", "OWNER tea bob"]
        )
        bob.received()
        bob.send("/delete tea")
        self.assertEqual(carol.received()[0], "DELETED tea bob")

    def test_rejoining_owner_is_not_owner(self) -> None:
        """A former owner who comes back is the newest member, not the owner."""
        alice, _ = self.create("tea", "alice", "bob")
        alice.send("/leave")
        alice.send("/join tea")
        alice.received()
        alice.send("/delete tea")
        self.assertError(alice, "NOT_ALLOWED")


class DeleteTests(ProtocolTestCase):
    """``/delete``."""

    def test_delete(self) -> None:
        """Every member is told who deleted it and gets a fresh room list."""
        alice, bob, carol = self.create("tea", "alice", "bob", "carol")
        alice.send("/delete tea")
        expected = ["DELETED tea alice", "ROOMS 1", "ROOM general 0 256"]
        for member in (alice, bob, carol):
            self.assertEqual(member.received(), expected)

    def test_members_back_in_lobby(self) -> None:
        """After a delete, members are in the lobby and the name is free."""
        alice, bob = self.create("tea", "alice", "bob")
        alice.send("/delete tea")
        alice.received()
        bob.received()
        bob.send("are we still here?")
        self.assertError(bob, "NOT_IN_ROOM")
        bob.send("/create tea")
        self.assertEqual(bob.received(), ["JOINED tea 1 256", "MEMBERS tea bob"])

    def test_non_owner(self) -> None:
        """Only the owner may delete."""
        alice, bob = self.create("tea", "alice", "bob")
        bob.send("/delete tea")
        self.assertError(bob, "NOT_ALLOWED")
        self.assertEqual(alice.received(), [])

    def test_permanent(self) -> None:
        """Permanent rooms cannot be deleted."""
        (alice,) = self.join("general", "alice")
        alice.send("/delete general")
        self.assertError(alice, "NOT_ALLOWED")
        alice.send("/list")
        self.assertEqual(alice.received(), ["ROOMS 1", "ROOM general 1 256"])

    def test_no_such_room(self) -> None:
        """Deleting a room that does not exist is NO_SUCH_ROOM."""
        (alice,) = self.create("tea", "alice")
        alice.send("/delete coffee")
        self.assertError(alice, "NO_SUCH_ROOM")

    def test_delete_bad_args(self) -> None:
        """/delete without a name is BAD_ARGS."""
        (alice,) = self.create("tea", "alice")
        alice.send("/delete")
        self.assertError(alice, "BAD_ARGS")


class ProtocolHistoryTests(ProtocolTestCase):
    """Joiners see the last --history messages before live traffic."""

    config = ServerConfig(rate=0, history=3)

    def test_replay(self) -> None:
        """The last N messages and actions, oldest first, marked, then the topic."""
        alice, bob = self.create("tea", "alice", "bob")
        alice.send("one")
        bob.send("two")
        alice.send("/topic brewing")
        alice.send("/me pours")
        self.clock.advance(1)
        bob.send("four")
        carol = self.connect("carol")
        carol.send("/join tea")
        later = "2026-11-21T18:04:06.500Z"
        self.assertEqual(
            carol.received(),
            [
                "JOINED tea 3 256",
                "MEMBERS tea alice bob carol",
                f"HISTORY tea bob {STAMP} two",
                f"HISTORY_ACTION tea alice {STAMP} pours",
                f"HISTORY tea bob {later} four",
                "TOPIC tea alice brewing",
            ],
        )
        alice.send("live")
        self.assertEqual(carol.received(), [f"MSG tea alice {later} live"])

    def test_refused_text_not_remembered(self) -> None:
        """A message refused with BAD_TEXT never shows up in history."""
        (alice,) = self.create("tea", "alice")
        alice.send("bad\x1b[1m")
        bob = self.connect("bob")
        bob.send("/join tea")
        self.assertEqual(bob.received(), ["JOINED tea 2 256", "MEMBERS tea alice bob"])

    def test_history_goes_with_room(self) -> None:
        """A removed room's history is gone when a room of that name is made."""
        (alice,) = self.create("tea", "alice")
        alice.send("secret")
        alice.send("/leave")
        alice.send("/create tea")
        alice.received()
        bob = self.connect("bob")
        bob.send("/join tea")
        self.assertEqual(bob.received(), ["JOINED tea 2 256", "MEMBERS tea alice bob"])


class ProtocolWatchTests(ProtocolTestCase):
    """``/watch``: pushed room-list changes in the lobby."""

    def test_watch_on_off(self) -> None:
        """/watch on and off are acknowledged; anything else is BAD_ARGS."""
        alice = self.connect("alice")
        alice.send("/watch on")
        self.assertEqual(alice.received(), ["LOBBY watching"])
        alice.send("/watch off")
        self.assertEqual(alice.received(), ["LOBBY not watching"])
        alice.send("/watch maybe")
        self.assertError(alice, "BAD_ARGS")

    def test_pushes(self) -> None:
        """Changes arrive as ROOM/ROOM_GONE once per lobby interval, batched."""
        watcher = self.connect("watcher")
        watcher.send("/watch on")
        watcher.received()
        (alice,) = self.create("tea", "alice")
        self.join("tea", "bob")
        self.assertEqual(watcher.received(), [])
        self.clock.advance(self.config.lobby_interval)
        self.assertEqual(watcher.received(), ["ROOM tea 2 256"])
        alice.send("/delete tea")
        self.clock.advance(self.config.lobby_interval)
        self.assertEqual(watcher.received(), ["ROOM_GONE tea"])

    def test_unwatched(self) -> None:
        """Without /watch on (or after /watch off) nothing is pushed."""
        quiet = self.connect("quiet")
        stopped = self.connect("stopped")
        stopped.send("/watch on")
        stopped.send("/watch off")
        stopped.received()
        self.create("tea", "alice")
        self.clock.advance(self.config.lobby_interval)
        self.assertEqual(quiet.received(), [])
        self.assertEqual(stopped.received(), [])

    def test_no_pushes_in_a_room(self) -> None:
        """A watcher inside a room is not sent lobby updates."""
        (watcher,) = self.join("general", "watcher")
        watcher.send("/watch on")
        watcher.received()
        self.create("tea", "alice")
        self.clock.advance(self.config.lobby_interval)
        self.assertEqual(watcher.received(), [])


class MiscCommandTests(ProtocolTestCase):
    """``/help``, unknown commands and PING."""

    def test_help(self) -> None:
        """/help lists every command as HELP lines."""
        alice = self.connect("alice")
        alice.send("/help")
        text = "\n".join(alice.received())
        for command in (
            "/nick",
            "/list",
            "/create",
            "/join",
            "/leave",
            "/who",
            "/topic",
            "/me",
            "/opmsg",
            "/msg",
            "/delete",
            "/watch",
            "//text",
            "/quit",
        ):
            self.assertIn(command, text)

    def test_unknown_command(self) -> None:
        """An unknown /command is UNKNOWN_COMMAND, in the lobby and in a room."""
        alice = self.connect("alice")
        alice.send("/dance")
        self.assertError(alice, "UNKNOWN_COMMAND")
        alice.send("/join general")
        alice.received()
        alice.send("/dance wildly")
        self.assertError(alice, "UNKNOWN_COMMAND")

    def test_commands_ignore_case(self) -> None:
        """Command words are not case-sensitive."""
        alice = self.connect("alice")
        alice.send("/LIST")
        self.assertEqual(alice.received()[0], "ROOMS 1")

    def test_ping(self) -> None:
        """PING token is answered with PONG token."""
        alice = self.connect("alice")
        alice.send("PING 12345")
        self.assertEqual(alice.received(), ["PONG 12345"])

    def test_server_ping(self) -> None:
        """A silent client is pinged, and a reply keeps it connected."""
        alice = self.connect("alice")
        (ping,), _ = until_pinged(
            self.clock, alice.received, self.config, self.clock.seconds()
        )
        self.assertTrue(ping.startswith("PING "))
        alice.send("PONG " + ping.split(" ", 1)[1])
        self.clock.advance(self.config.ping_timeout)
        self.assertFalse(alice.closing)


class ProtocolQuitTests(ProtocolTestCase):
    """``/quit`` and vanishing connections (harvest)."""

    def test_quit(self) -> None:
        """/quit reason: BYE reason, closed; the room sees why."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/quit off to bed")
        self.assertEqual(alice.received(), ["BYE off to bed"])
        self.assertTrue(alice.closing)
        self.assertEqual(bob.received(), ["PART general alice quit: off to bed"])

    def test_quit_without_reason(self) -> None:
        """/quit alone still says BYE; the name is free at once."""
        alice = self.connect("alice")
        alice.send("/quit")
        (bye,) = alice.received()
        self.assertTrue(bye.startswith("BYE"))
        self.connect("alice")

    def test_quit_before_name(self) -> None:
        """/quit works in the username state."""
        client = self.connect()
        client.send("/quit bye")
        self.assertEqual(client.received(), ["BYE bye"])
        self.assertTrue(client.closing)

    def test_connection_lost_harvested(self) -> None:
        """A vanished client leaves its room with a reason and frees its name."""
        alice, bob = self.join("general", "alice", "bob")
        alice.lose()
        self.assertEqual(bob.received(), ["PART general alice connection lost"])
        bob.send("/who")
        self.assertEqual(bob.received(), ["MEMBERS general bob"])
        self.connect("alice")

    def test_clean_close_harvested(self) -> None:
        """A client that closed cleanly is harvested too, with its own reason."""
        alice, bob = self.join("general", "alice", "bob")
        alice.lose(Failure(ConnectionDone()))
        self.assertEqual(bob.received(), ["PART general alice connection closed"])

    def test_emptied_room_removed(self) -> None:
        """A room emptied by a disconnect disappears from the list."""
        (alice,) = self.create("tea", "alice")
        alice.lose()
        bob = self.connect("bob")
        bob.send("/list")
        self.assertEqual(bob.received(), ["ROOMS 1", "ROOM general 0 256"])

    def test_unnamed_connection_lost(self) -> None:
        """Losing a connection that never chose a name disturbs nobody."""
        (alice,) = self.join("general", "alice")
        FakeClient(self.server).lose()
        self.assertEqual(alice.received(), [])
        self.assertEqual(len(self.server.connections), 1)


class ProtocolShutdownTests(ProtocolTestCase):
    """``HubService.stopService``: BYE to everyone, then wait for them to go."""

    def test_bye_to_everyone(self) -> None:
        """Every connection, named or not, gets BYE and is closed."""
        alice, bob = self.join("general", "alice", "bob")
        carol = self.connect("carol")
        stranger = self.connect()
        HubService(self.server).stopService()
        for client in (alice, bob, carol, stranger):
            self.assertEqual(client.received(), ["BYE server shutting down"])
            self.assertTrue(client.closing)

    def test_fires_when_all_lost(self) -> None:
        """The Deferred fires only once every connection has gone."""
        alice, bob = self.join("general", "alice", "bob")
        stopped = HubService(self.server).stopService()
        self.assertNoResult(stopped)
        alice.lose(Failure(ConnectionDone()))
        self.assertNoResult(stopped)
        bob.lose(Failure(ConnectionDone()))
        self.assertIsNone(self.successResultOf(stopped))

    def test_no_clients(self) -> None:
        """With nobody connected, shutdown is immediate."""
        self.assertIsNone(self.successResultOf(HubService(self.server).stopService()))

    def test_new_connection_refused(self) -> None:
        """A connection arriving during shutdown is told so and closed."""
        HubService(self.server).stopService()
        late = FakeClient(self.server)
        lines = late.received()
        self.assertEqual(lines[-1], "BYE server shutting down")
        self.assertTrue(late.closing)

    def test_stalled_client_aborted(self) -> None:
        """A client that never finishes closing is aborted after the grace time."""
        (alice,) = self.join("general", "alice")
        HubService(self.server).stopService()
        self.clock.advance(self.config.shutdown_grace)
        self.assertTrue(alice.transport.disconnected)


class LineCollector(LineReceiver):
    """The far end of an in-memory connection: collects the server's lines."""

    delimiter = b"\r\n"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line.decode("utf-8"))

    def take(self) -> list[str]:
        """Lines received since the last call."""
        lines, self.lines = self.lines, []
        return lines


class InMemoryTests(ProtocolTestCase):
    """Two clients over ``iosim`` connections: real buffering both ways."""

    def connect_pumped(self) -> tuple[LineCollector, iosim.IOPump]:
        """A client-side LineReceiver connected to a LineProtocol via iosim."""
        server = LineProtocol(self.server)
        client = LineCollector()
        pump = iosim.connect(
            server,
            iosim.makeFakeServer(server),
            client,
            iosim.makeFakeClient(client),
            greet=True,
        )
        return client, pump

    def test_conversation(self) -> None:
        """Alice and bob meet in a room, talk, and alice quits."""
        alice, alice_pump = self.connect_pumped()
        bob, bob_pump = self.connect_pumped()
        self.assertEqual(
            alice.take(), ["HELLO chatroom 1 Welcome to chatroom. Choose a username."]
        )
        for client, pump, name in (
            (alice, alice_pump, b"Alice"),
            (bob, bob_pump, b"bob"),
        ):
            client.sendLine(name)
            client.sendLine(b"/join general")
            pump.flush()
        alice_pump.flush()
        bob.take()
        self.assertEqual(alice.take()[-1], "JOIN general bob")
        alice.sendLine(b"hello bob")
        alice_pump.flush()
        bob_pump.flush()
        line = f"MSG general Alice {STAMP} hello bob"
        self.assertEqual(alice.take(), [line])
        self.assertEqual(bob.take(), [line])
        alice.sendLine(b"/quit night")
        alice_pump.flush()
        bob_pump.flush()
        self.assertEqual(alice.take(), ["BYE night"])
        assert isinstance(alice.transport, iosim.FakeTransport)
        self.assertTrue(alice.transport.disconnected)
        self.assertEqual(bob.take(), ["PART general Alice quit: night"])
        self.assertEqual(len(self.server.open_connections), 1)
