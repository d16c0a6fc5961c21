"""What an idle IRC connection holds (issue 25: at most 2.5 KiB of RSS per
idle connection, docs/performance.md): no instance dict, no per-session
extras once registered and idle, and the one-channel tuple shared with
the channel's other members. Each test also checks what the user sees."""

from __future__ import annotations

from twisted.internet.interfaces import IDelayedCall

from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import chat_core, in_process_only, local_backend, longest_silence


class IdleIRCMemoryTests(IRCTestCase):
    """The parts an idle IRC client keeps, and the replies they still give."""

    def test_idle_client_holds_no_dict_and_shares_its_channel(self) -> None:
        """Two idle members of #tea: no instance dict or extras of their
        own, one shared tuple for the channel, and NAMES still shows both."""
        _, (alice, bob) = self.line_room("owner", "alice", "bob")
        for client in (alice, bob):
            self.assertFalse(hasattr(client.session, "__dict__"))
            self.assertIsNone(client.session.session._extras)
        self.assertIs(alice.session.session._channels, bob.session.session._channels)
        self.assertEqual(alice.session.session.rooms, {"tea": "tea"})
        alice.send("NAMES #tea")
        self.assertIn(":chatroom 353 alice = #tea :@owner alice bob", alice.received())

    def test_away_and_back_leaves_nothing_behind(self) -> None:
        """AWAY is answered while set (301 to a sender), and once back the
        session holds no extras again."""
        _, (alice, bob) = self.line_room("owner", "alice", "bob")
        alice.send("AWAY :lunch")
        self.assertIn(
            ":chatroom 306 alice :You have been marked as being away",
            alice.received(),
        )
        self.assertIsNotNone(alice.session.session._extras)
        bob.send("PRIVMSG alice :hi")
        self.assertIn(":chatroom 301 bob alice :lunch", bob.received())
        alice.send("AWAY")
        alice.received()
        self.assertIsNone(alice.session.session._extras)
        bob.send("PRIVMSG alice :back?")
        self.assertNotIn("301", " ".join(bob.numerics()))

    def test_parting_the_last_channel_empties_the_tuple(self) -> None:
        """PART of one's only channel: out of it (WHOIS lists no channel)
        and the session's channels are empty, not the shared tuple."""
        _, (alice, bob) = self.line_room("owner", "alice", "bob")
        alice.send("PART #tea")
        alice.received()
        self.assertEqual(alice.session.session._channels, ())
        self.assertEqual(alice.session.session.rooms, {})
        self.assertEqual(bob.session.session.rooms, {"tea": "tea"})
        bob.send("WHOIS alice")
        self.assertNotIn("319", bob.numerics())

    def test_idle_connection_has_no_timer_or_dict_of_its_own(self) -> None:
        """An idle member of #tea: its protocol, session, connection, output
        queue and flood gate are slotted and hold no DelayedCall (its
        deadline is one entry on the server's shared timer), so a third
        member adds no call to the clock; and it is still pinged once
        silent."""
        _, (alice, bob) = self.line_room("owner", "alice", "bob")
        calls = len(self.clock.getDelayedCalls())
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        carol.received()
        self.assertEqual(len(self.clock.getDelayedCalls()), calls)
        for client in (alice, bob, carol):
            connection = client.session.connection
            parts: tuple[object, ...] = (
                client.session,
                client.session.session,
                connection,
                connection.send_queue,
                connection._flood,
            )
            for part in parts:
                self.assertFalse(hasattr(part, "__dict__"), part)
                classes = type(part).__mro__
                for slot in (s for c in classes for s in vars(c).get("__slots__", ())):
                    held = getattr(part, slot, None)
                    self.assertFalse(IDelayedCall.providedBy(held), (part, slot))
        self.clock.advance(longest_silence(self.server.config))
        self.assertTrue(any(line.startswith("PING ") for line in carol.received()))

    @in_process_only("the room's kept list of its members' callbacks")
    def test_seat_keeps_one_deliver_through_joins(self) -> None:
        """A seat's ``deliver`` is the very object its rooms keep for it,
        after a second join too: re-reading a bound method makes a new one
        of 64 bytes, and a seat settled again on each join would otherwise
        keep one and the rooms another. Messages still reach the member."""
        line, (alice, bob) = self.line_room("owner", "alice", "bob")
        bob.send("JOIN #cake")
        bob.received()
        sessions = chat_core(self.server).sessions
        rooms = local_backend(self.server).rooms.by_key
        for client in (alice, bob):
            seat = sessions.seat_of(client.session)
            assert seat is not None
            kept = rooms["tea"].members.delivers()
            self.assertTrue(any(deliver is seat.deliver for deliver in kept))
        bob_seat = sessions.seat_of(bob.session)
        assert bob_seat is not None
        kept = rooms["cake"].members.delivers()
        self.assertTrue(any(deliver is bob_seat.deliver for deliver in kept))
        line.send("hello")
        self.assertIn(":owner!owner@chatroom PRIVMSG #tea :hello", alice.received())

    def test_capability_negotiation_leaves_no_extras(self) -> None:
        """A client of today (``CAP LS 302``, ``CAP REQ``, ``CAP END``)
        idle in #tea holds no extras: what it negotiated is its shared
        caps set and the version it named, a slot (302: cap-notify is on)."""
        line = self.line("owner")
        line.send("/create tea")
        client = IRCClient(self.next_door())
        client.send(
            "CAP LS 302",
            "NICK alice",
            "USER alice 0 * :Alice",
            "CAP REQ :server-time message-tags",
            "CAP END",
            "JOIN #tea",
        )
        client.received()
        session = client.session.session
        self.assertIsNone(session._extras)
        self.assertIn("server-time", session.caps)
        self.assertEqual(session.cap_version, 302)
        client.send("CAP LIST")
        self.assertEqual(
            client.received(),
            [":chatroom CAP alice LIST :cap-notify message-tags server-time"],
        )
