"""A channel made by a signed-in IRC user is the account's, as a room made
at the line door is (docs/protocol.md, *Rooms*; one core decides both), and
IRC users see its owner's marks follow: no ``MODE`` when the owner's
connection goes, ``MODE +o`` when it comes back, ``MODE -o+o`` when the
owner hands the room over with ``/owner``.

Real IRC and line sessions on ``StringTransport``, sharing one server on a
``task.Clock`` (:mod:`tests.doors.irc.test_irc`).
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient


class IRCOwnedRoomTests(AccountsCase):
    def test_a_signed_in_users_channel_stays_theirs(self) -> None:
        """alice (signed in with PASS) makes #tea by joining it: it is kept
        for her account; her QUIT hands nobody a ``+o`` (carol at IRC,
        dave at the line door are told no owner), and when she comes back
        (put back in it as she signs in) she is marked ``@`` again, by
        ``MODE +o``, in her own ``NAMES`` and in carol's."""
        self.account("alice")
        alice = self.signed_in("alice")
        alice.send("JOIN #tea")
        self.assertIn(":chatroom 353 alice = #tea :@alice", alice.received())
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        carol.received()
        dave = self.line("dave")
        dave.send("/join tea")
        dave.send("/info")
        self.assertIn("INFO tea keep on", dave.received())
        carol.received()
        alice.send("QUIT :off to bed")
        self.assertEqual(
            carol.received(), [":alice!alice@chatroom QUIT :Quit: off to bed"]
        )
        self.assertEqual(dave.received(), ["PART tea alice quit: off to bed"])
        dave.send("/info")
        self.assertIn("INFO tea owner account:alice", dave.received())

        alice = IRCClient(self.factory)
        alice.send(f"PASS {PASSWORD}", "NICK alice", "USER alice 0 * :alice")
        burst = alice.received()  # put back in it at sign-in, marked its owner
        self.assertIn(":chatroom 353 alice = #tea :carol dave @alice", burst)
        self.assertEqual(
            carol.received(),
            [":alice!alice@chatroom JOIN :#tea", ":chatroom MODE #tea +o :alice"],
        )
        self.assertEqual(dave.received(), ["JOIN tea alice", "OWNER tea alice"])
        carol.send("NAMES #tea")
        self.assertEqual(
            carol.received()[0], ":chatroom 353 carol = #tea :carol dave @alice"
        )

    def test_a_hand_over_is_a_mode_change(self) -> None:
        """alice hands her room to bob (an account at IRC) with ``/owner``:
        IRC members see her ``-o`` and his ``+o`` in one ``MODE``, and bob
        sets what an owner sets."""
        self.account("alice")
        self.account("bob")
        alice = FakeClient(self.next_server())
        alice.send(f"/login alice {PASSWORD}")
        alice.send("/create tea")
        bob = self.signed_in("bob")
        bob.send("JOIN #tea")
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        bob.received(), carol.received(), alice.received()
        alice.send("/owner bob")
        expected = [":chatroom MODE #tea -o+o alice :bob"]
        self.assertEqual(carol.received(), expected)
        self.assertEqual(bob.received(), expected)
        self.assertEqual(alice.received(), ["OWNER tea bob"])
        bob.send("MODE #tea +t")
        self.assertEqual(carol.received(), [":bob!bob@chatroom MODE #tea :+t"])
