"""What an idle IRC connection holds (issue 25: at most 2.5 KiB of RSS per
idle connection, docs/performance.md): no instance dict, no per-session
extras once registered and idle, and the one-channel tuple shared with
the channel's other members. Each test also checks what the user sees."""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCTestCase


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
