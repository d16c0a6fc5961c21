"""Reactions, typing and edits at the IRC door (issue 22), both ways.

``+draft/react``/``+draft/unreact`` with ``+draft/reply`` and ``+typing`` in
``TAGMSG``; edits as a new ``PRIVMSG`` ``* text`` answering the message;
for a client without ``message-tags``, notes in words.
Real :class:`IRCProtocol` objects over ``StringTransport`` with a line user
(:class:`tests.support.FakeClient`) on one server and a ``task.Clock``, as
in :mod:`tests.doors.irc.test_ircv3`.
"""

from __future__ import annotations

from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged


class IRCReactionTests(CapsTestCase):
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

    def test_line_reactions_and_typing_are_tagmsgs(self) -> None:
        """bob's reaction, its withdrawal and his typing reach message-tags
        clients as the TAGMSG an IRC client would send; carol, without
        tags, gets the reaction and its withdrawal as notes, not typing."""
        self.bob.send("/react 1 x")
        (line,) = self.alice.received()
        self.assertEqual(untagged(line), ":bob!bob@chatroom TAGMSG #tea")
        self.assertEqual(
            tags_of(line),
            {
                "msgid": self.msgid("tea", 2),
                "+draft/reply": self.msgid("tea", 1),
                "+draft/react": "x",
            },
        )
        self.bob.send("/unreact 1 x")
        (line,) = self.alice.received()
        self.assertEqual(tags_of(line)["+draft/unreact"], "x")
        self.bob.send("/typing active")
        self.assertEqual(
            self.alice.received(), ["@+typing=active :bob!bob@chatroom TAGMSG #tea"]
        )
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom NOTICE #tea :bob reacted x to bob's “hello”",
                ":chatroom NOTICE #tea :bob took back x from bob's “hello”",
            ],
        )

    def test_irc_reactions_and_typing_reach_line_users(self) -> None:
        """alice's TAGMSG reaction and typing reach bob (rich) as REACT and
        TYPING; dave gets the TAGMSG once (the door's relay), not again
        from the shared side; a reaction to no message (an id of the line
        door's is no msgid) is silently dropped."""
        hello = self.msgid("tea", 1)
        self.alice.send(f"@+draft/react=x;+draft/reply={hello} TAGMSG #tea")
        self.assertEqual(self.bob.received(), ["@2 REACT tea 1 alice x"])
        tagmsgs = [x for x in self.dave.received() if " TAGMSG " in x]
        self.assertEqual(len(tagmsgs), 1)
        self.assertEqual(tags_of(tagmsgs[0])["+draft/react"], "x")
        self.alice.send(f"@+draft/unreact=x;+draft/reply={hello} TAGMSG #tea")
        self.assertEqual(self.bob.received(), ["@3 UNREACT tea 1 alice x"])
        self.alice.send("@+typing=active TAGMSG #tea")
        self.assertEqual(self.bob.received(), ["TYPING tea alice active"])
        self.alice.send("@+draft/react=x;+draft/reply=99 TAGMSG #tea")
        self.alice.send("@+draft/react=x;+draft/reply=1 TAGMSG #tea")
        self.alice.send("@+typing=bogus TAGMSG #tea")
        self.assertEqual(self.bob.received(), [])
        self.assertEqual(self.alice.received(), [])
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom NOTICE #tea :alice reacted x to bob's “hello”",
                ":chatroom NOTICE #tea :alice took back x from bob's “hello”",
            ],
        )

    def test_a_tagmsg_is_relayed_whole_and_its_typing_bounded(self) -> None:
        """Every TAGMSG reaches the IRC members as sent, while the typing
        notice it means reaches line users at most every 3 seconds (the
        core's /typing rule); a reaction that is refused still leaves the
        TAGMSG relayed, as the client sent it."""
        for _ in range(2):
            self.alice.send("@+typing=active TAGMSG #tea")
        tagmsgs = [x for x in self.dave.received() if " TAGMSG " in x]
        self.assertEqual(len(tagmsgs), 2)
        self.assertEqual(self.bob.received(), ["TYPING tea alice active"])
        self.alice.send("@+draft/react=x;+draft/reply=99 TAGMSG #tea")
        (relayed,) = self.dave.received()
        self.assertEqual(tags_of(relayed)["+draft/reply"], "99")
        self.assertEqual(self.bob.received(), [])

    def test_edits_are_new_messages_answering_the_old(self) -> None:
        """bob's edit reaches message-tags clients as a new PRIVMSG ``*
        text``, tagged ``+draft/reply`` (and its own msgid); carol, without
        tags, gets a note quoting what it read before."""
        self.bob.send("/edit 1 hello!")
        self.assertEqual(
            self.carol.received(),
            [":chatroom NOTICE #tea :bob edited “hello” → hello!"],
        )
        (line,) = self.alice.received()
        self.assertEqual(untagged(line), ":bob!bob@chatroom PRIVMSG #tea :* hello!")
        self.assertEqual(
            tags_of(line),
            {"msgid": self.msgid("tea", 2), "+draft/reply": self.msgid("tea", 1)},
        )

    def test_plain_clients_see_reactions_as_notes_and_no_typing(self) -> None:
        """Without message-tags, a reaction is a note and typing nothing (no
        notice per key press); a reaction to no message is nothing."""
        self.alice.send("@+draft/react=x;+draft/reply=1 TAGMSG #tea")
        self.bob.send("/react 1 y")
        self.bob.send("/typing active")
        self.assertEqual(
            self.carol.received(),
            [":chatroom NOTICE #tea :bob reacted y to bob's “hello”"],
        )
