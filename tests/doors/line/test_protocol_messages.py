"""The line protocol's messages: to the room, actions, topics, /who and
private messages."""

from __future__ import annotations

from tests.support import STAMP, ProtocolTestCase


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
