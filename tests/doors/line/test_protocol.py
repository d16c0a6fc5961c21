"""Unit tests for every command and error of the chat protocol.

Each test drives real :class:`LineProtocol` objects over ``StringTransport``,
several of them sharing one :class:`DoorHub` whose every timer runs on a
``task.Clock``, and asserts on the exact lines users receive
(``docs/protocol.md`` is the specification).
"""

from __future__ import annotations

from dataclasses import replace

from tests.support import STAMP, FakeClient, ProtocolTestCase, local_server


class ConnectTests(ProtocolTestCase):
    """A new connection is greeted and asked for a name."""

    def test_hello(self) -> None:
        """The first line is HELLO with the server name and protocol version."""
        client = FakeClient(self.server)
        self.assertEqual(
            client.received(),
            ["HELLO chatroom 1 Welcome to chatroom. Choose a username."],
        )

    def test_hello_uses_configured_name(self) -> None:
        """``--name`` is what HELLO calls the server."""
        server = local_server(replace(self.config, name="tea-house"), self.clock)
        client = FakeClient(server)
        self.assertTrue(client.received()[0].startswith("HELLO tea-house 1 "))


class UsernameTests(ProtocolTestCase):
    """The username step: the first plain line is the wanted name."""

    def test_welcome_and_room_list(self) -> None:
        """An accepted name gets WELCOME, then the room list."""
        client = self.connect()
        client.send("Alice")
        self.assertEqual(
            client.received(), ["WELCOME Alice", "ROOMS 1", "ROOM general 0 256"]
        )

    def test_lf_line_end(self) -> None:
        """A bare LF ends a line as well as CRLF does."""
        client = self.connect()
        client.send("Alice", end="\n")
        self.assertEqual(client.received()[0], "WELCOME Alice")

    def test_bad_name(self) -> None:
        """Invalid names get BAD_NAME and the client may simply try again."""
        client = self.connect()
        for bad in ("bad name!", "semi;colon", "x" * 33, "a\tb"):
            client.send(bad)
            self.assertError(client, "BAD_NAME")
        client.send("x" * 32)
        self.assertEqual(client.received()[0], "WELCOME " + "x" * 32)

    def test_name_taken(self) -> None:
        """A name in use is refused, and the other user keeps it."""
        self.connect("Alice")
        client = self.connect()
        client.send("Alice")
        self.assertError(client, "NAME_TAKEN")
        client.send("Bob")
        self.assertEqual(client.received()[0], "WELCOME Bob")

    def test_name_taken_ignores_case_and_width(self) -> None:
        """Case and Unicode compatibility forms are the same name."""
        self.connect("Alice")
        client = self.connect()
        for variant in ("alice", "ALICE", "ａｌｉｃｅ", "ＡＬＩＣＥ"):
            client.send(variant)
            self.assertError(client, "NAME_TAKEN")

    def test_name_shown_as_typed(self) -> None:
        """The display name keeps the case the user typed."""
        client = self.connect()
        client.send("ZoË")
        self.assertEqual(client.received()[0], "WELCOME ZoË")

    def test_no_name(self) -> None:
        """Commands other than /nick, /help, /quit and PING need a name first."""
        client = self.connect()
        for command in (
            "/list",
            "/join general",
            "/create tea",
            "/msg bob hi",
            "/leave",
            "/who",
            "/me waves",
            "/topic x",
            "/delete tea",
            "/watch on",
        ):
            client.send(command)
            self.assertError(client, "NO_NAME")

    def test_nick_chooses_name(self) -> None:
        """``/nick NAME`` in the username state works like typing the name."""
        client = self.connect()
        client.send("/nick Alice")
        self.assertEqual(
            client.received(), ["WELCOME Alice", "ROOMS 1", "ROOM general 0 256"]
        )

    def test_ping_before_name(self) -> None:
        """PING is answered even before a name is chosen."""
        client = self.connect()
        client.send("PING abc")
        self.assertEqual(client.received(), ["PONG abc"])

    def test_help_before_name(self) -> None:
        """/help works before a name is chosen."""
        client = self.connect()
        client.send("/help")
        lines = client.received()
        self.assertGreater(len(lines), 5)
        self.assertTrue(all(line.startswith("HELP ") for line in lines))

    def test_login_timeout(self) -> None:
        """A connection that never picks a name is told why and closed."""
        client = self.connect()
        self.clock.advance(self.config.login_timeout)
        self.assertEqual(client.received(), ["BYE no username chosen in time"])
        self.assertTrue(client.closing)


class NickTests(ProtocolTestCase):
    """Renaming with ``/nick``."""

    def test_rename_seen_by_room(self) -> None:
        """Everyone in the room, the renamed user too, sees NICK old new."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/nick Alicia")
        self.assertEqual(alice.received(), ["NICK alice Alicia"])
        self.assertEqual(bob.received(), ["NICK alice Alicia"])
        bob.send("/who")
        self.assertEqual(bob.received(), ["MEMBERS general Alicia bob"])

    def test_rename_in_lobby(self) -> None:
        """In the lobby only the renamed user hears of it."""
        alice = self.connect("alice")
        (bob,) = self.join("general", "bob")
        alice.send("/nick Alicia")
        self.assertEqual(alice.received(), ["NICK alice Alicia"])
        self.assertEqual(bob.received(), [])

    def test_old_name_freed(self) -> None:
        """After a rename the old name can be taken and the new one cannot."""
        alice = self.connect("alice")
        alice.send("/nick Alicia")
        alice.received()
        other = self.connect()
        other.send("ALICIA")
        self.assertError(other, "NAME_TAKEN")
        other.send("alice")
        self.assertEqual(other.received()[0], "WELCOME alice")

    def test_messages_use_new_name(self) -> None:
        """Messages after a rename carry the new name."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/nick Alicia")
        alice.send("hi")
        bob.received()
        alice.received()
        bob.send("/msg alicia psst")
        self.assertEqual(alice.received(), [f"PRIVMSG bob Alicia {STAMP} psst"])

    def test_nick_errors(self) -> None:
        """A bad, taken or missing name is refused and the name is kept."""
        alice = self.connect("alice")
        self.connect("bob")
        alice.send("/nick Bob")
        self.assertError(alice, "NAME_TAKEN")
        alice.send("/nick bad!")
        self.assertError(alice, "BAD_NAME")
        alice.send("/nick")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/nick two words")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/msg alice still me")
        self.assertEqual(alice.received(), [f"PRIVMSG alice alice {STAMP} still me"])


class ListTests(ProtocolTestCase):
    """``/list``: rooms with members, capacity and topic."""

    def test_list(self) -> None:
        """ROOMS n, then exactly n ROOM lines with counts and topics."""
        tea = self.create("tea", "alice", "bob")[0]
        tea.send("/topic Tea and biscuits")
        carol = self.connect("carol")
        carol.send("/list")
        self.assertEqual(
            carol.received(),
            [
                "ROOMS 2",
                "ROOM general 0 256",
                "ROOM tea 2 256 Tea and biscuits",
            ],
        )

    def test_list_in_room(self) -> None:
        """/list works from inside a room too."""
        (alice,) = self.join("general", "alice")
        alice.send("/list")
        self.assertEqual(alice.received(), ["ROOMS 1", "ROOM general 1 256"])


class CreateTests(ProtocolTestCase):
    """``/create``: a new room, owned by and containing its creator."""

    def test_create(self) -> None:
        """The creator is in the new room at once, as its only member."""
        alice = self.connect("alice")
        alice.send("/create tea")
        self.assertEqual(alice.received(), ["JOINED tea 1 256", "MEMBERS tea alice"])
        alice.send("/who")
        self.assertEqual(alice.received(), ["MEMBERS tea alice", "OWNER tea alice"])

    def test_create_from_room(self) -> None:
        """Creating from a room leaves it first; its members see the PART."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/create tea")
        self.assertEqual(
            alice.received(),
            ["LEFT general", "JOINED tea 1 256", "MEMBERS tea alice"],
        )
        self.assertEqual(bob.received(), ["PART general alice left for tea"])

    def test_room_exists(self) -> None:
        """A name in use, in any case or width, is ROOM_EXISTS."""
        self.create("tea", "alice")
        bob = self.connect("bob")
        for name in ("tea", "TEA", "ｔｅａ", "General"):
            bob.send(f"/create {name}")
            self.assertError(bob, "ROOM_EXISTS")

    def test_bad_room_name(self) -> None:
        """Room names follow the same rules as user names."""
        alice = self.connect("alice")
        alice.send("/create " + "r" * 33)
        self.assertError(alice, "BAD_NAME")
        alice.send("/create caf$")
        self.assertError(alice, "BAD_NAME")

    def test_create_bad_args(self) -> None:
        """/create without a single name is BAD_ARGS."""
        alice = self.connect("alice")
        alice.send("/create")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/create two words")
        self.assertError(alice, "BAD_ARGS")

    def test_too_many_rooms(self) -> None:
        """Past --max-rooms (permanent rooms count) a create is refused."""
        self.server = local_server(replace(self.config, max_rooms=2), self.clock)
        self.create("tea", "alice")
        bob = self.connect("bob")
        bob.send("/create coffee")
        self.assertError(bob, "TOO_MANY_ROOMS")
        bob.send("/list")
        self.assertEqual(bob.received()[0], "ROOMS 2")

    def test_fifty_rooms_at_once(self) -> None:
        """A ``multi`` user in 50 rooms is refused one more, joined or
        made (as IRC's ``CHANLIMIT``), and may join it once it left one."""
        rooms = tuple(f"r{number}" for number in range(51))
        self.server = local_server(replace(self.config, rooms=rooms), self.clock)
        alice = self.connect("alice")
        alice.send("/caps multi")
        for room in rooms[:50]:
            alice.send(f"/join {room}")
        alice.received()
        alice.send("/join r50")
        self.assertEqual(
            alice.received(), ["ERR TOO_MANY_ROOMS you have joined too many rooms (50)"]
        )
        alice.send("/create fresh")
        self.assertError(alice, "TOO_MANY_ROOMS")
        alice.send("/leave r0")
        alice.received()
        alice.send("/join r50")
        self.assertEqual(alice.received()[0], "JOINED r50 1 256")


class JoinTests(ProtocolTestCase):
    """``/join``: entering a room and what the others see."""

    def test_join(self) -> None:
        """The joiner gets JOINED and MEMBERS; the others get JOIN."""
        (alice,) = self.join("general", "alice")
        bob = self.connect("bob")
        bob.send("/join general")
        self.assertEqual(
            bob.received(), ["JOINED general 2 256", "MEMBERS general alice bob"]
        )
        self.assertEqual(alice.received(), ["JOIN general bob"])

    def test_join_ignores_case(self) -> None:
        """Room names match regardless of case; the room keeps its own spelling."""
        self.create("Tea", "alice")
        bob = self.connect("bob")
        bob.send("/join TEA")
        self.assertEqual(bob.received()[0], "JOINED Tea 2 256")

    def test_join_other_room(self) -> None:
        """/join from a room leaves it first: LEFT old, then the new room."""
        alice, bob = self.join("general", "alice", "bob")
        self.create("tea", "carol")
        alice.send("/join tea")
        self.assertEqual(
            alice.received(),
            ["LEFT general", "JOINED tea 2 256", "MEMBERS tea carol alice"],
        )
        self.assertEqual(bob.received(), ["PART general alice left for tea"])

    def test_no_such_room(self) -> None:
        """Joining a room nobody created is NO_SUCH_ROOM."""
        alice = self.connect("alice")
        alice.send("/join nowhere")
        self.assertError(alice, "NO_SUCH_ROOM")

    def test_already_in_room(self) -> None:
        """Joining the room you are in is ALREADY_IN_ROOM; you stay in it."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/join General")
        self.assertError(alice, "ALREADY_IN_ROOM")
        self.assertEqual(bob.received(), [])

    def test_room_full(self) -> None:
        """A room at --room-capacity refuses joiners; the joiner stays put."""
        self.server = local_server(replace(self.config, room_capacity=2), self.clock)
        alice, _ = self.join("general", "alice", "bob")
        carol = self.connect("carol")
        carol.send("/create tea")
        carol.received()
        carol.send("/join general")
        self.assertError(carol, "ROOM_FULL")
        carol.send("still here")
        self.assertEqual(
            [line.split(" ", 4)[:2] for line in carol.received()], [["MSG", "tea"]]
        )
        self.assertEqual(alice.received(), [])

    def test_join_bad_args(self) -> None:
        """/join without a name, or with more than a name and a key, is BAD_ARGS."""
        alice = self.connect("alice")
        alice.send("/join")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/join a b c")
        self.assertError(alice, "BAD_ARGS")


class LeaveTests(ProtocolTestCase):
    """``/leave``: back to the lobby."""

    def test_leave(self) -> None:
        """The leaver gets LEFT and the room list; the others get PART left."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/leave")
        self.assertEqual(
            alice.received(), ["LEFT general", "ROOMS 1", "ROOM general 1 256"]
        )
        self.assertEqual(bob.received(), ["PART general alice left"])
        alice.send("hello?")
        self.assertError(alice, "NOT_IN_ROOM")

    def test_leave_from_lobby(self) -> None:
        """/leave in the lobby is NOT_IN_ROOM."""
        alice = self.connect("alice")
        alice.send("/leave")
        self.assertError(alice, "NOT_IN_ROOM")

    def test_empty_room_removed(self) -> None:
        """When the last member leaves, a created room is gone."""
        (alice,) = self.create("tea", "alice")
        alice.send("/leave")
        self.assertEqual(
            alice.received(), ["LEFT tea", "ROOMS 1", "ROOM general 0 256"]
        )
        alice.send("/join tea")
        self.assertError(alice, "NO_SUCH_ROOM")

    def test_permanent_room_stays(self) -> None:
        """A permanent room survives its last member leaving."""
        (alice,) = self.join("general", "alice")
        alice.send("/leave")
        self.assertEqual(
            alice.received(), ["LEFT general", "ROOMS 1", "ROOM general 0 256"]
        )
        alice.send("/join general")
        self.assertEqual(alice.received()[0], "JOINED general 1 256")
