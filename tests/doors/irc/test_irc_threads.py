"""Threads and pins at the IRC door: a thread's message is a reply to its
root, and a pin is said in words.

A line user's ``/thread ID TEXT`` reaches IRC clients with
``message-tags`` as a ``PRIVMSG`` tagged ``+draft/reply`` with the root's
``msgid`` (IRC has no threads: nobody misses a word, and a client that
shows replies shows what it answers); clients without the capability get
the ``PRIVMSG`` naming its thread by a quote of its root. An IRC client's
reply to one of those messages is in the thread too. Real
:class:`IRCProtocol` objects over ``StringTransport`` with a line user, as in
:mod:`tests.doors.irc.test_irc_replies`.
"""

from __future__ import annotations

from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP


class IRCThreadTests(CapsTestCase):
    """bob (line, ``/caps rich``) owns tea, where he said message 1; alice
    (IRC, ``message-tags``) and carol (IRC, no capability) are in."""

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.line("bob")
        for line in ("/caps rich", "/create tea", "who has the key?"):
            self.bob.send(line)
        self.alice = self.capped("alice", "message-tags")
        self.carol = self.capped("carol")
        for client in (self.alice, self.carol):
            client.send("JOIN #tea")
        for client in (self.alice, self.carol):
            client.received()
        self.bob.received()

    def test_a_thread_message_answers_its_root(self) -> None:
        """Two messages in the thread of message 1 (the second named by the
        first's id) each reach alice tagged +draft/reply with message 1's
        msgid; carol, without tags, gets PRIVMSGs that name the thread by
        its root's author and first words (the second quotes the root too,
        not the message it was said beside)."""
        self.bob.send("/thread 1 not me")
        self.bob.send("/thread 2 nor me")
        lines = self.alice.received()
        self.assertEqual(
            [untagged(line) for line in lines],
            [
                ":bob!bob@chatroom PRIVMSG #tea :not me",
                ":bob!bob@chatroom PRIVMSG #tea :nor me",
            ],
        )
        for line, number in zip(lines, (2, 3), strict=True):
            self.assertEqual(
                tags_of(line),
                {
                    "msgid": self.msgid("tea", number),
                    "+draft/reply": self.msgid("tea", 1),
                },
            )
        self.assertEqual(
            self.carol.received(),
            [
                ":bob!bob@chatroom PRIVMSG #tea"
                " :(in bob's thread “who has the key?”) not me",
                ":bob!bob@chatroom PRIVMSG #tea"
                " :(in bob's thread “who has the key?”) nor me",
            ],
        )

    def test_an_irc_reply_to_a_thread_message_stays_in_the_thread(self) -> None:
        """alice answers the thread's message (its msgid in +draft/reply):
        bob (rich) sees a reply to it, in the root's thread."""
        self.bob.send("/thread 1 not me")
        self.alice.received()
        self.bob.received()
        self.alice.send(f"@+draft/reply={self.msgid('tea', 2)} PRIVMSG #tea :me!")
        self.assertEqual(
            self.bob.received(), [f"@3;reply=2;thread=1 MSG tea alice {STAMP} me!"]
        )

    def test_a_pin_is_said_in_words(self) -> None:
        """IRC has no pins: bob's /pin and /unpin reach IRC clients as a
        server NOTICE to the channel quoting the message."""
        self.bob.send("/pin 1")
        self.bob.send("/unpin 1")
        expected = [
            ":chatroom NOTICE #tea :bob pinned a message: who has the key?",
            ":chatroom NOTICE #tea :bob unpinned a message: who has the key?",
        ]
        self.assertEqual([untagged(line) for line in self.alice.received()], expected)
        self.assertEqual(self.carol.received(), expected)

    def test_a_joiner_is_told_how_many_are_pinned(self) -> None:
        """dave, joining tea once message 1 is pinned, is told after the
        names (and the history) that one message is pinned; after the
        unpin a joiner is told nothing."""
        self.bob.send("/pin 1")
        dave = self.capped("dave")
        dave.send("JOIN #tea")
        lines = dave.received()
        notice = ":chatroom NOTICE #tea :1 pinned message in this channel"
        self.assertEqual(lines[-1], notice)
        self.assertTrue(any(" 366 " in line for line in lines[:-1]), lines)
        self.bob.send("/unpin 1")
        erin = self.capped("erin")
        erin.send("JOIN #tea")
        self.assertFalse([x for x in erin.received() if "pinned" in x])
