"""IRC sessions signed in to an account are its devices (issue 20).

Like a bouncer's clients: a session signing in is joined to the account's
rooms, unasked (``JOIN``, ``MARKREAD`` with ``draft/read-marker``, then
``NAMES``); a room another device enters arrives the same way; what one
session sends reaches the account's other devices; a ``MARKREAD`` on one
is told to the others; and the account's rooms outlast its sessions. Real
:class:`IRCProtocol` objects over ``StringTransport``.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient

MARKER = "draft/read-marker"
STAMP = "2022-11-11T11:11:11.111Z"


class IRCDeviceTests(AccountsCase):
    """alice has an account; bob is a plain line user."""

    def setUp(self) -> None:
        super().setUp()
        self.account("alice")

    def session(self, *caps: str) -> tuple[IRCClient, list[str]]:
        """An IRC session signed in to alice with PASS and ``caps``; its burst."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302", f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :a")
        if caps:
            client.send(f"CAP REQ :{' '.join(caps)}")
        client.received()
        client.send("CAP END")
        lines = client.received()
        self.assertIn(" 001 alice ", lines[0])
        return client, lines

    def test_a_second_session_is_joined_like_a_bouncer(self) -> None:
        """The second session gets JOIN, MARKREAD and NAMES of the room
        the first is in; bob's room hears no second JOIN; a message of
        either session reaches bob once and the other session."""
        bob = FakeClient(self.server)
        bob.send("bob")
        bob.send("/create tea")
        first, _ = self.session(MARKER)
        first.send("JOIN #tea")
        first.received()
        bob.received()
        second, burst = self.session(MARKER)
        self.assertIn(":alice!alice@chatroom JOIN :#tea", burst)
        self.assertIn(":chatroom MARKREAD #tea *", burst)
        self.assertLess(
            burst.index(":chatroom MARKREAD #tea *"),
            next(i for i, x in enumerate(burst) if " 366 alice #tea " in x),
        )
        self.assertEqual([x for x in bob.received() if "JOIN" in x], [])
        second.send("PRIVMSG #tea :from the second")
        said = [x for x in bob.received() if x.startswith("MSG tea alice ")]
        self.assertEqual(len(said), 1)
        self.assertIn("PRIVMSG #tea :from the second", " ".join(first.received()))

    def test_a_tagmsg_reaches_every_device_once(self) -> None:
        """A TAGMSG goes through the core's one fan-out, so each of alice's
        sessions gets carol's once (the door's own relay found one session
        per nick); none of them gets alice's own back from another."""
        first, _ = self.session("message-tags")
        first.send("JOIN #tea")
        second, _ = self.session("message-tags")
        carol = IRCClient(self.factory)
        carol.send("CAP REQ :message-tags", "NICK carol", "USER c 0 * :c", "CAP END")
        carol.send("JOIN #tea")
        for client in (first, second, carol):
            client.received()
        carol.send("@+example=1 TAGMSG #tea")
        for device in (first, second):
            (line,) = device.received()
            self.assertTrue(line.startswith("@+example=1;msgid="), line)
            self.assertTrue(line.endswith(" :carol!carol@chatroom TAGMSG #tea"), line)
        first.send("@+example=2 TAGMSG #tea")
        self.assertEqual(second.received(), [])
        self.assertEqual(len(carol.received()), 1)

    def test_markers_are_the_accounts(self) -> None:
        """A MARKREAD on one session reaches the other with the same time."""
        first, _ = self.session(MARKER)
        first.send("JOIN #tea")
        second, _ = self.session(MARKER)
        first.received()
        first.send(f"MARKREAD #tea timestamp={STAMP}")
        self.assertEqual(
            first.received(), [f":chatroom MARKREAD #tea timestamp={STAMP}"]
        )
        self.assertEqual(
            second.received(), [f":chatroom MARKREAD #tea timestamp={STAMP}"]
        )

    def test_rooms_and_marker_outlast_the_sessions(self) -> None:
        """Every session gone, the next one is joined back to the account's
        room, with the marker its last session set."""
        first, _ = self.session(MARKER)
        first.send("JOIN #tea", f"MARKREAD #tea timestamp={STAMP}")
        keeper = FakeClient(self.server)  # keeps tea from going away
        keeper.send("bob")
        keeper.send("/join tea")
        first.session.connectionLost(Failure(ConnectionLost()))
        _again, burst = self.session(MARKER)
        self.assertIn(":alice!alice@chatroom JOIN :#tea", burst)
        self.assertIn(f":chatroom MARKREAD #tea timestamp={STAMP}", burst)

    def test_a_line_device_hears_the_irc_one(self) -> None:
        """A line device of the account sees the IRC device's room message
        and its private message, and the room counts alice once."""
        line = FakeClient(self.server)
        line.send(f"/login alice {PASSWORD}")
        line.send("/join general")
        irc, burst = self.session()
        self.assertIn(":alice!alice@chatroom JOIN :#general", burst)
        bob = FakeClient(self.server)
        bob.send("bob")
        bob.send("/join general")
        self.assertIn("MEMBERS general alice bob", bob.received())
        line.received()
        irc.send("PRIVMSG #general :hi", "PRIVMSG bob :psst")
        got = line.received()
        self.assertTrue(any(x.startswith("MSG general alice ") for x in got), got)
        self.assertTrue(any(x.startswith("PRIVMSG alice bob ") for x in got), got)
