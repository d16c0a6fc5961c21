"""What IRC users sharing a channel are told of each other: ``SETNAME``
(setname) and ``AWAY`` when an away user joins (away-notify).

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
with a ``task.Clock`` (:mod:`tests.test_irc`); comments name the irctest
server test (``progval/irctest``) that checks the same behaviour.
"""

from __future__ import annotations

from tests.test_ircv3 import CapsTestCase, untagged


class SetnameTests(CapsTestCase):
    """SETNAME reaches channel peers who asked for setname (irctest setname
    testSetnameChannel)."""

    def test_setname_fans_out_to_peers_with_the_cap(self) -> None:
        """bob (setname, same channel) gets it; carol (no cap) and dave
        (setname, no shared channel) do not."""
        alice = self.capped("alice", "setname")
        bob = self.capped("bob", "setname")
        carol = self.irc("carol")
        dave = self.capped("dave", "setname")
        for client in (alice, bob, carol):
            client.send("JOIN #tea")
        for client in (alice, bob, carol, dave):
            client.received()
        alice.send("SETNAME :qux")
        self.assertEqual(alice.received(), [":alice!alice@chatroom SETNAME :qux"])
        self.assertEqual(bob.received(), [":alice!alice@chatroom SETNAME :qux"])
        self.assertEqual(carol.received(), [])
        self.assertEqual(dave.received(), [])


class AwayOnJoinTests(CapsTestCase):
    """An away user's JOIN is followed by their AWAY (irctest away_notify
    testAwayNotifyOnJoin)."""

    def test_away_user_joining_is_followed_by_away(self) -> None:
        """bob (away-notify) sees alice's JOIN, then AWAY :lunch; carol
        (without the cap) sees the JOIN only."""
        bob = self.capped("bob", "away-notify")
        carol = self.irc("carol")
        for client in (bob, carol):
            client.send("JOIN #tea")
        alice = self.irc("alice")
        alice.send("AWAY :lunch")
        for client in (alice, bob, carol):
            client.received()
        alice.send("JOIN #tea")
        self.assertEqual(
            [untagged(line) for line in bob.received()],
            [":alice!alice@chatroom JOIN :#tea", ":alice!alice@chatroom AWAY :lunch"],
        )
        self.assertEqual(carol.received(), [":alice!alice@chatroom JOIN :#tea"])
