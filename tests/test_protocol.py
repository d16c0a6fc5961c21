"""Unit tests for every command and error of the chat protocol.

Each test drives real :class:`ChatProtocol` objects over ``StringTransport``,
several of them sharing one :class:`ChatServer` whose every timer runs on a
``task.Clock``, and asserts on the exact lines users receive
(``docs/protocol.md`` is the specification).
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.error import ConnectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.test import iosim

from chatroom.doors.line.protocol import ChatProtocol
from chatroom.wiring.server import ChatServer, ServerConfig
from chatroom.wiring.service import ChatService
from tests.support import STAMP, FakeClient, ProtocolTestCase


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
        server = ChatServer(replace(self.config, name="tea-house"), clock=self.clock)
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
        self.server = ChatServer(replace(self.config, max_rooms=2), clock=self.clock)
        self.create("tea", "alice")
        bob = self.connect("bob")
        bob.send("/create coffee")
        self.assertError(bob, "TOO_MANY_ROOMS")
        bob.send("/list")
        self.assertEqual(bob.received()[0], "ROOMS 2")


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
        self.server = ChatServer(
            replace(self.config, room_capacity=2), clock=self.clock
        )
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


class MessageTests(ProtocolTestCase):
    """Plain lines, ``//text`` and ``/me``."""

    def test_message_to_every_member(self) -> None:
        """A plain line reaches every member, the sender too, stamped."""
        alice, bob, carol = self.join("general", "alice", "bob", "carol")
        outsider = self.connect("dave")
        bob.send("hello everyone")
        line = f"MSG general bob {STAMP} hello everyone"
        for member in (alice, bob, carol):
            self.assertEqual(member.received(), [line])
        self.assertEqual(outsider.received(), [])

    def test_message_stamp_follows_clock(self) -> None:
        """The time is the server's clock when it accepted the message."""
        (alice,) = self.join("general", "alice")
        self.clock.advance(61.25)
        alice.send("later")
        self.assertEqual(
            alice.received(), ["MSG general alice 2026-11-21T18:05:06.750Z later"]
        )

    def test_message_from_lobby(self) -> None:
        """A plain line in the lobby is NOT_IN_ROOM and goes nowhere."""
        (bob,) = self.join("general", "bob")
        alice = self.connect("alice")
        alice.send("anyone?")
        self.assertError(alice, "NOT_IN_ROOM")
        self.assertEqual(bob.received(), [])

    def test_double_slash(self) -> None:
        """``//text`` sends a message that starts with one slash."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("//shrug is not a command")
        self.assertEqual(
            bob.received(), [f"MSG general alice {STAMP} /shrug is not a command"]
        )

    def test_bad_text(self) -> None:
        """Control characters and escape sequences are refused, not relayed."""
        alice, bob = self.join("general", "alice", "bob")
        for text in ("\x1b[31mred", "bell\x07", "csi\x9b2J", "del\x7f"):
            alice.send(text)
            self.assertError(alice, "BAD_TEXT")
        self.assertEqual(bob.received(), [])

    def test_tab_allowed(self) -> None:
        """A tab is ordinary text."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("a\tb")
        self.assertEqual(bob.received(), [f"MSG general alice {STAMP} a\tb"])

    def test_action(self) -> None:
        """/me sends ACTION to every member, the sender too."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("/me pours tea")
        line = f"ACTION general alice {STAMP} pours tea"
        self.assertEqual(alice.received(), [line])
        self.assertEqual(bob.received(), [line])

    def test_action_errors(self) -> None:
        """/me needs a room and some clean text."""
        alice = self.connect("alice")
        alice.send("/me waves")
        self.assertError(alice, "NOT_IN_ROOM")
        alice.send("/join general")
        alice.received()
        alice.send("/me")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/me \x1b]0;pwned\x07")
        self.assertError(alice, "BAD_TEXT")

    def test_keepalive_words_not_messages(self) -> None:
        """``PING x`` in a room is answered, never relayed as a message."""
        alice, bob = self.join("general", "alice", "bob")
        alice.send("PING t1")
        self.assertEqual(alice.received(), ["PONG t1"])
        alice.send("PONG t2")
        self.assertEqual(alice.received(), [])
        self.assertEqual(bob.received(), [])


class TopicTests(ProtocolTestCase):
    """``/topic``."""

    def test_set_topic(self) -> None:
        """Setting a topic tells every member who set it."""
        alice, bob = self.join("general", "alice", "bob")
        bob.send("/topic Tea and biscuits")
        line = "TOPIC general bob Tea and biscuits"
        self.assertEqual(alice.received(), [line])
        self.assertEqual(bob.received(), [line])

    def test_show_topic(self) -> None:
        """Without text, /topic shows the current topic to the asker only."""
        alice, bob = self.join("general", "alice", "bob")
        bob.send("/topic Tea and biscuits")
        alice.received()
        bob.received()
        alice.send("/topic")
        self.assertEqual(alice.received(), ["TOPIC general bob Tea and biscuits"])
        self.assertEqual(bob.received(), [])

    def test_topic_errors(self) -> None:
        """/topic needs a room and clean text."""
        alice = self.connect("alice")
        alice.send("/topic hi")
        self.assertError(alice, "NOT_IN_ROOM")
        alice.send("/join general")
        alice.received()
        alice.send("/topic \x1b[2J")
        self.assertError(alice, "BAD_TEXT")
        alice.send("/topic")
        self.assertNotIn("\x1b", "".join(alice.received()))


class WhoTests(ProtocolTestCase):
    """``/who``."""

    def test_who(self) -> None:
        """MEMBERS in order of arrival, then OWNER."""
        carol = self.create("tea", "carol", "alice", "bob")[2]
        carol.send("/who")
        self.assertEqual(
            carol.received(), ["MEMBERS tea carol alice bob", "OWNER tea carol"]
        )

    def test_who_permanent_room(self) -> None:
        """A permanent room has no owner, so /who has no OWNER line."""
        alice, _ = self.join("general", "alice", "bob")
        alice.send("/who")
        self.assertEqual(alice.received(), ["MEMBERS general alice bob"])

    def test_who_from_lobby(self) -> None:
        """/who in the lobby is NOT_IN_ROOM."""
        alice = self.connect("alice")
        alice.send("/who")
        self.assertError(alice, "NOT_IN_ROOM")


class PrivateMessageTests(ProtocolTestCase):
    """``/msg``."""

    def test_msg_from_lobby_to_room(self) -> None:
        """A lobby user reaches a user in a room; both get PRIVMSG, nobody else."""
        alice = self.connect("alice")
        bob, carol = self.join("general", "bob", "carol")
        alice.send("/msg BOB see you later")
        line = f"PRIVMSG alice bob {STAMP} see you later"
        self.assertEqual(alice.received(), [line])
        self.assertEqual(bob.received(), [line])
        self.assertEqual(carol.received(), [])

    def test_msg_from_room_to_lobby(self) -> None:
        """A user in a room reaches a user in the lobby."""
        (bob,) = self.join("general", "bob")
        alice = self.connect("alice")
        bob.send("/msg alice hi there")
        line = f"PRIVMSG bob alice {STAMP} hi there"
        self.assertEqual(alice.received(), [line])
        self.assertEqual(bob.received(), [line])

    def test_msg_to_self(self) -> None:
        """A message to yourself arrives once."""
        alice = self.connect("alice")
        alice.send("/msg alice note")
        self.assertEqual(alice.received(), [f"PRIVMSG alice alice {STAMP} note"])

    def test_no_such_user(self) -> None:
        """A name nobody has is NO_SUCH_USER."""
        alice = self.connect("alice")
        alice.send("/msg ghost boo")
        self.assertError(alice, "NO_SUCH_USER")

    def test_msg_errors(self) -> None:
        """Missing text is BAD_ARGS; control characters are BAD_TEXT."""
        alice = self.connect("alice")
        bob = self.connect("bob")
        alice.send("/msg bob")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/msg")
        self.assertError(alice, "BAD_ARGS")
        alice.send("/msg bob \x1b[31mred")
        self.assertError(alice, "BAD_TEXT")
        self.assertEqual(bob.received(), [])


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
        self.clock.advance(self.config.ping_interval)
        (ping,) = alice.received()
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
    """``ChatService.stopService``: BYE to everyone, then wait for them to go."""

    def test_bye_to_everyone(self) -> None:
        """Every connection, named or not, gets BYE and is closed."""
        alice, bob = self.join("general", "alice", "bob")
        carol = self.connect("carol")
        stranger = self.connect()
        ChatService(self.server).stopService()
        for client in (alice, bob, carol, stranger):
            self.assertEqual(client.received(), ["BYE server shutting down"])
            self.assertTrue(client.closing)

    def test_fires_when_all_lost(self) -> None:
        """The Deferred fires only once every connection has gone."""
        alice, bob = self.join("general", "alice", "bob")
        stopped = ChatService(self.server).stopService()
        self.assertNoResult(stopped)
        alice.lose(Failure(ConnectionDone()))
        self.assertNoResult(stopped)
        bob.lose(Failure(ConnectionDone()))
        self.assertIsNone(self.successResultOf(stopped))

    def test_no_clients(self) -> None:
        """With nobody connected, shutdown is immediate."""
        self.assertIsNone(self.successResultOf(ChatService(self.server).stopService()))

    def test_new_connection_refused(self) -> None:
        """A connection arriving during shutdown is told so and closed."""
        ChatService(self.server).stopService()
        late = FakeClient(self.server)
        lines = late.received()
        self.assertEqual(lines[-1], "BYE server shutting down")
        self.assertTrue(late.closing)

    def test_stalled_client_aborted(self) -> None:
        """A client that never finishes closing is aborted after the grace time."""
        (alice,) = self.join("general", "alice")
        ChatService(self.server).stopService()
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
        """A client-side LineReceiver connected to a ChatProtocol via iosim."""
        server = ChatProtocol(self.server)
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
