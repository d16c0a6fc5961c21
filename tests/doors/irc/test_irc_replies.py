"""Replies at the IRC door (issue 22), both ways: ``+draft/reply``.

A line user's ``/reply ID TEXT`` reaches IRC clients with ``message-tags``
as a ``PRIVMSG`` tagged ``+draft/reply=ID``; an IRC client's
``@+draft/reply=MSGID PRIVMSG #room :text`` is the core's reply, which
``rich`` line users see tagged ``reply=ID``. Real :class:`IRCProtocol`
objects over ``StringTransport`` with a line user
(:class:`tests.support.FakeClient`) and a ``task.Clock``, as in
:mod:`tests.doors.irc.test_irc_reactions`.
"""

from __future__ import annotations

from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP


class IRCReplyTests(CapsTestCase):
    """bob (line, ``/caps rich``) owns tea, where he said message 1; alice
    and dave (IRC, ``message-tags``) and carol (IRC, no capability) are in."""

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.line("bob")
        for line in ("/caps rich", "/create tea", "hello"):
            self.bob.send(line)
        self.alice = self.capped("alice", "message-tags")
        self.dave = self.capped("dave", "message-tags")
        self.carol = self.capped("carol")
        for client in (self.alice, self.dave, self.carol):
            client.send("JOIN #tea")
        for client in (self.alice, self.dave, self.carol):
            client.received()
        self.bob.received()

    def test_line_reply_is_tagged_for_message_tags_clients(self) -> None:
        """bob's /reply reaches alice as a PRIVMSG tagged +draft/reply with
        the msgid she saw for message 1; carol, who has no tags, gets the
        PRIVMSG starting with its addressee and a quote of what it answers
        (tests/doors/irc/test_irc_plain_words.py)."""
        self.bob.send("/reply 1 hi yourself")
        (line,) = self.alice.received()
        self.assertEqual(untagged(line), ":bob!bob@chatroom PRIVMSG #tea :hi yourself")
        self.assertEqual(
            tags_of(line),
            {"msgid": self.msgid("tea", 2), "+draft/reply": self.msgid("tea", 1)},
        )
        self.assertEqual(
            self.carol.received(),
            [":bob!bob@chatroom PRIVMSG #tea :bob: “hello” → hi yourself"],
        )

    def test_irc_reply_is_a_reply_for_line_users(self) -> None:
        """alice's PRIVMSG tagged +draft/reply with message 1's msgid
        reaches bob (rich) as a MSG tagged reply=1, dave tagged with that
        msgid, carol with its addressee and quote in words."""
        self.alice.send(
            f"@+draft/reply={self.msgid('tea', 1)} PRIVMSG #tea :yes please"
        )
        self.assertEqual(
            self.bob.received(), [f"@2;reply=1 MSG tea alice {STAMP} yes please"]
        )
        (line,) = self.dave.received()
        self.assertEqual(
            untagged(line), ":alice!alice@chatroom PRIVMSG #tea :yes please"
        )
        self.assertEqual(
            tags_of(line),
            {"msgid": self.msgid("tea", 2), "+draft/reply": self.msgid("tea", 1)},
        )
        self.assertEqual(
            self.carol.received(),
            [":alice!alice@chatroom PRIVMSG #tea :bob: “hello” → yes please"],
        )
        self.assertEqual(self.alice.received(), [])

    def test_reply_to_an_unknown_msgid_is_said_with_its_tag(self) -> None:
        """A +draft/reply naming no message of the room (the line door's
        id is no msgid) is not refused: the message is said, its client tag
        relayed as it was."""
        self.alice.send("@+draft/reply=99 PRIVMSG #tea :what?")
        self.assertEqual(
            self.bob.received(), [f"@2;+draft/reply=99 MSG tea alice {STAMP} what?"]
        )
        (line,) = self.dave.received()
        self.assertEqual(
            tags_of(line), {"msgid": self.msgid("tea", 2), "+draft/reply": "99"}
        )
        self.alice.send("@+draft/reply=abc PRIVMSG #tea :eh?")
        (line,) = self.dave.received()
        self.assertEqual(
            tags_of(line), {"msgid": self.msgid("tea", 3), "+draft/reply": "abc"}
        )
        self.assertEqual(self.alice.received(), [])

    def test_reply_keeps_its_other_client_tags(self) -> None:
        """A reply's other client-only tags travel with it, as a plain
        message's do."""
        hello = self.msgid("tea", 1)
        self.alice.send(f"@+draft/reply={hello};+example/colour=red PRIVMSG #tea :ok")
        (line,) = self.bob.received()
        self.assertTrue(line.startswith("@2;reply=1;+example/colour=red MSG "), line)
        (line,) = self.dave.received()
        self.assertEqual(
            tags_of(line),
            {
                "msgid": self.msgid("tea", 2),
                "+draft/reply": self.msgid("tea", 1),
                "+example/colour": "red",
            },
        )

    def test_echoed_reply_is_the_labeled_answer(self) -> None:
        """With echo-message and labeled-response, a labeled reply comes
        back as its labeled echo, tagged +draft/reply."""
        erin = self.capped(
            "erin", "batch", "labeled-response", "echo-message", "message-tags"
        )
        erin.send("JOIN #tea")
        erin.received()
        self.bob.received()
        erin.send(
            f"@label=abc;+draft/reply={self.msgid('tea', 1)} PRIVMSG #tea :agreed"
        )
        (echo,) = erin.received()
        self.assertEqual(untagged(echo), ":erin!erin@chatroom PRIVMSG #tea :agreed")
        self.assertEqual(
            tags_of(echo),
            {
                "label": "abc",
                "msgid": self.msgid("tea", 2),
                "+draft/reply": self.msgid("tea", 1),
            },
        )
        self.assertEqual(
            self.bob.received(), [f"@2;reply=1 MSG tea erin {STAMP} agreed"]
        )

    def test_history_replays_replies_tagged(self) -> None:
        """CHATHISTORY gives a stored reply back tagged +draft/reply."""
        self.bob.send("/reply 1 later")
        self.alice.received()
        erin = self.capped(
            "erin", "batch", "message-tags", "server-time", "draft/chathistory"
        )
        erin.send("JOIN #tea")
        erin.received()
        erin.send("CHATHISTORY LATEST #tea * 10")
        replies = [x for x in erin.received() if x.endswith(" :later")]
        self.assertEqual(len(replies), 1)
        self.assertEqual(tags_of(replies[0])["+draft/reply"], self.msgid("tea", 1))

    def test_multiline_batch_can_be_a_reply(self) -> None:
        """A draft/multiline batch tagged +draft/reply is one reply: bob
        (rich) gets one MSG tagged reply=1 with the lines joined."""
        erin = self.capped("erin", "batch", "draft/multiline", "message-tags")
        erin.send("JOIN #tea")
        erin.received()
        self.bob.received()
        erin.send(
            f"@+draft/reply={self.msgid('tea', 1)} BATCH +m1 draft/multiline #tea",
            "@batch=m1 PRIVMSG #tea :first",
            "@batch=m1 PRIVMSG #tea :second",
            "BATCH -m1",
        )
        (said,) = self.bob.received()
        self.assertTrue(said.startswith("@2;reply=1;multiline="), said)
        self.assertTrue(said.endswith(f" MSG tea erin {STAMP} first second"), said)
