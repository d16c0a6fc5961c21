"""What IRC users sharing a channel are told of each other: ``SETNAME``
(setname) and ``AWAY`` when an away user joins (away-notify).

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
with a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name the irctest
server test (``progval/irctest``) that checks the same behaviour.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged


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


class MultilineTests(CapsTestCase):
    """A client's draft/multiline batch is one message: a batch for those
    who negotiated it, one PRIVMSG per line for other IRC clients (irctest
    multiline testBasic, testBlankLines, testInvalidBlankConcatTag)."""

    caps = ("message-tags", "batch", "echo-message", "server-time", "labeled-response")

    def three(self) -> tuple[IRCClient, IRCClient, IRCClient]:
        """alice and bob with draft/multiline, charlie without, in #test."""
        alice = self.capped("alice", *self.caps, "draft/multiline")
        bob = self.capped("bob", *self.caps, "draft/multiline")
        charlie = self.capped("charlie", *self.caps)
        for client in (alice, bob, charlie):
            client.send("JOIN #test")
        for client in (alice, bob, charlie):
            client.received()
        return alice, bob, charlie

    def send_batch(self, alice: IRCClient, *texts: str) -> None:
        """alice's labeled batch of ``texts`` (a text starting with ``+``
        is glued to the one before)."""
        alice.send("@label=xyz;+client-only-tag BATCH +123 draft/multiline #test")
        for text in texts:
            concat = ";draft/multiline-concat" if text.startswith("+") else ""
            alice.send(f"@batch=123{concat} PRIVMSG #test :{text.lstrip('+')}")
        alice.send("BATCH -123")

    def test_batch_echoed_labeled_relayed_and_fallback(self) -> None:
        """The echo is the batch with the label on its start; bob gets the
        batch with the same msgid and time, blank line kept; charlie gets
        one PRIVMSG per non-blank line (glued ones too), the first with the
        msgid."""
        alice, bob, charlie = self.three()
        self.send_batch(alice, "", "#how is ", "+everyone?")
        echo = alice.received()
        start = tags_of(echo[0])
        self.assertEqual(start["label"], "xyz")
        self.assertTrue(untagged(echo[0]).startswith(":chatroom BATCH +"))
        relay = bob.received()
        self.assertEqual(tags_of(relay[0])["msgid"], start["msgid"])
        self.assertEqual(tags_of(relay[0])["time"], start["time"])
        self.assertIn("+client-only-tag", tags_of(relay[0]))
        inner = relay[1:-1]
        self.assertEqual(
            [untagged(x) for x in inner],
            [
                ":alice!alice@chatroom PRIVMSG #test :",
                ":alice!alice@chatroom PRIVMSG #test :#how is ",
                ":alice!alice@chatroom PRIVMSG #test :everyone?",
            ],
        )
        self.assertIn("draft/multiline-concat", tags_of(inner[2]))
        self.assertTrue(untagged(relay[-1]).startswith(":chatroom BATCH -"))
        fallback = charlie.received()
        self.assertEqual(
            [untagged(x) for x in fallback],
            [
                ":alice!alice@chatroom PRIVMSG #test :#how is ",
                ":alice!alice@chatroom PRIVMSG #test :everyone?",
            ],
        )
        self.assertEqual(tags_of(fallback[0])["msgid"], start["msgid"])

    def test_fallback_lines_each_with_client_tag(self) -> None:
        """Two lines reach charlie as two PRIVMSGs, both with the client
        tag, only the first with the msgid."""
        alice, _bob, charlie = self.three()
        self.send_batch(alice, "first", "second")
        one, two = charlie.received()
        self.assertEqual(untagged(two), ":alice!alice@chatroom PRIVMSG #test :second")
        self.assertIn("msgid", tags_of(one))
        self.assertNotIn("msgid", tags_of(two))
        for line in (one, two):
            self.assertIn("+client-only-tag", tags_of(line))

    def test_blank_concat_line_is_invalid(self) -> None:
        """A blank line marked concat: FAIL BATCH MULTILINE_INVALID and
        nothing is said."""
        alice, bob, _charlie = self.three()
        alice.send(
            "BATCH +123 draft/multiline #test",
            "@batch=123 PRIVMSG #test :hi",
            "@batch=123;draft/multiline-concat PRIVMSG #test :",
            "BATCH -123",
        )
        (failed,) = alice.received()
        self.assertTrue(failed.startswith(":chatroom FAIL BATCH MULTILINE_INVALID "))
        self.assertEqual(bob.received(), [])
