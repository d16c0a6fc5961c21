"""What the IRC door relays besides plain text: ``NOTICE`` as ``NOTICE``,
client-only tags on ``PRIVMSG``/``NOTICE``/``TAGMSG``, and message-tags'
budget for a client's line (8191 bytes of tags, 512 for the rest).

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
on one server and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`). Comments name
the irctest server test (``progval/irctest``) that checks the same thing.
"""

from __future__ import annotations

from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged


class NoticeTests(CapsTestCase):
    """A NOTICE stays a NOTICE at the IRC door (irctest messages testNotice)."""

    def test_channel_notice_reaches_irc_members_as_notice(self) -> None:
        """IRC members get NOTICE, a line user the room's MSG."""
        line, (alice, bob) = self.line_room("carol", "alice", "bob")
        alice.send("NOTICE #tea :hello there")
        self.assertEqual(
            bob.received(), [":alice!alice@chatroom NOTICE #tea :hello there"]
        )
        self.assertEqual(alice.received(), [])
        self.assertIn(" alice ", line.received()[0])

    def test_private_notice_and_echo(self) -> None:
        """A NOTICE to a nick arrives as NOTICE, and its echo-message copy
        too (irctest echo_message testEchoMessage[NOTICE-False-True])."""
        alice = self.capped("alice", "echo-message")
        bob = self.irc("bob")
        alice.send("NOTICE bob :psst")
        self.assertEqual(bob.received(), [":alice!alice@chatroom NOTICE bob :psst"])
        self.assertEqual(alice.received(), [":alice!alice@chatroom NOTICE bob :psst"])

    def test_labeled_notice_to_channel(self) -> None:
        """The echo of a labeled NOTICE is a labeled NOTICE (irctest
        labeled_responses testLabeledNoticeResponsesToChannel)."""
        alice = self.capped("alice", "echo-message", "labeled-response", "batch")
        alice.send("JOIN #tea")
        bob = self.irc("bob")
        bob.send("JOIN #tea")
        alice.received()
        bob.received()
        alice.send("@label=12345 NOTICE #tea :hi")
        (echo,) = alice.received()
        self.assertEqual(tags_of(echo)["label"], "12345")
        self.assertEqual(untagged(echo), ":alice!alice@chatroom NOTICE #tea :hi")

    def test_notice_in_history_is_a_notice(self) -> None:
        """A joiner's replay shows a NOTICE as the NOTICE it was."""
        _line, (alice,) = self.line_room("carol", "alice")
        alice.send("NOTICE #tea :remember")
        bob = self.capped("bob", "server-time")
        bob.send("JOIN #tea")
        said = [untagged(x) for x in bob.received() if "remember" in x]
        self.assertEqual(said, [":alice!alice@chatroom NOTICE #tea :remember"])


class ClientTagTests(CapsTestCase):
    """Client-only tags reach those who negotiated message-tags only
    (irctest message_tags testBasic)."""

    def test_privmsg_tags_relayed_to_message_tags_clients(self) -> None:
        """+baz reaches a message-tags member and the sender's echo; a
        server tag (fizz) is not relayed; a plain member gets no tags."""
        alice = self.capped("alice", "message-tags", "echo-message")
        bob = self.capped("bob", "message-tags")
        carol = self.irc("carol")
        for client in (alice, bob, carol):
            client.send("JOIN #tea")
        for client in (alice, bob, carol):
            client.received()
        alice.send("@+baz=bat;fizz=buzz PRIVMSG #tea :hi")
        (relayed,) = bob.received()
        (echo,) = alice.received()
        self.assertEqual(tags_of(relayed)["+baz"], "bat")
        self.assertNotIn("fizz", tags_of(relayed))
        self.assertEqual(tags_of(echo)["msgid"], tags_of(relayed)["msgid"])
        self.assertEqual(tags_of(echo)["+baz"], "bat")
        self.assertEqual(carol.received(), [":alice!alice@chatroom PRIVMSG #tea :hi"])

    def test_private_message_tags_echoed(self) -> None:
        """A PRIVMSG to a nick carries its client tags to the recipient and
        the echo (irctest echo_message testDirectMessageEcho)."""
        alice = self.capped("alice", "message-tags", "echo-message")
        bob = self.capped("bob", "message-tags")
        alice.send("@+example-client-tag=example-value PRIVMSG bob :hi")
        for client in (alice, bob):
            (got,) = client.received()
            self.assertEqual(tags_of(got)["+example-client-tag"], "example-value")

    def test_tagmsg_echo_is_labeled_and_recipient_gets_no_label(self) -> None:
        """TAGMSG to a nick: the recipient gets its tags and a msgid, the
        sender a labeled echo (irctest labeled_responses
        testLabeledTagMsgResponsesToClient)."""
        caps = ("echo-message", "batch", "labeled-response", "message-tags")
        alice = self.capped("alice", *caps)
        bob = self.capped("bob", *caps)
        alice.send("@label=12345;+draft/react=yes TAGMSG bob")
        (relayed,) = bob.received()
        (echo,) = alice.received()
        self.assertNotIn("label", tags_of(relayed))
        self.assertEqual(tags_of(relayed)["+draft/react"], "yes")
        self.assertTrue(tags_of(relayed)["msgid"])
        self.assertEqual(tags_of(echo)["label"], "12345")
        self.assertEqual(untagged(echo), ":alice!alice@chatroom TAGMSG bob")

    def test_to_self_one_copy_is_labeled(self) -> None:
        """PRIVMSG and TAGMSG to oneself with echo-message: two copies, one
        labeled (irctest testLabeledPrivmsgResponsesToSelf, ...TagMsg...)."""
        alice = self.capped(
            "alice", "echo-message", "batch", "labeled-response", "message-tags"
        )
        for command in ("PRIVMSG alice :hi", "TAGMSG alice"):
            alice.send(f"@label=7;+draft/react=x {command}")
            got = alice.received()
            self.assertEqual(len(got), 2, got)
            self.assertEqual([tags_of(x).get("label") for x in got], [None, "7"])


class TagBudgetTests(CapsTestCase):
    """A client's tags have 4094 bytes of their own (irctest message_tags
    testLengthLimits)."""

    def test_tags_at_the_limit_are_taken_past_it_417(self) -> None:
        """4094 bytes of tags and 460 bytes of message pass; one byte more
        of tags is 417 and nothing is relayed."""
        alice = self.capped("alice", "message-tags", "echo-message")
        bob = self.capped("bob", "message-tags")
        for client in (alice, bob):
            client.send("JOIN #tea")
            client.received()
        bob.received()
        alice.send(f"@foo=bar;+baz={'a' * 4081} PRIVMSG #tea {'b' * 460}")
        (relayed,) = bob.received()
        self.assertEqual(tags_of(relayed)["+baz"], "a" * 4081)
        self.assertTrue(untagged(relayed).endswith(" :" + "b" * 460))
        alice.received()
        alice.send(f"@foo=bar;+baz={'a' * 4082} TAGMSG #tea")
        self.assertEqual(alice.numerics(), ["417"])
        self.assertEqual(bob.received(), [])

    def test_rest_of_line_still_512(self) -> None:
        """Without tags, a line over 512 bytes is still 417."""
        alice = self.irc("alice")
        alice.send("PRIVMSG bob :" + "x" * 600)
        self.assertEqual(alice.numerics(), ["417"])
