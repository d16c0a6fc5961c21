"""A message an IRC client sends in one line is cut to what one relayed line
holds (:mod:`chatroom.doors.irc.truncate`); texts from other doors are split.

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
on one server and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`). irctest checks
the same in ``buffering.py`` (testNoTags), ``message_tags.py``
(testLengthLimits) and ``websocket.py`` (testSendTruncation).
"""

from __future__ import annotations

from chatroom.doors.irc.tags import MAX_LINE, text_room
from chatroom.doors.irc.truncate import ACTION_WRAP, cut_text, fitted
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged

#: ``:alice!alice@chatroom PRIVMSG #tea :`` and CRLF: what a relayed line adds.
_HEAD = len(":alice!alice@chatroom PRIVMSG #tea :") + 2


class CutTextTests(CapsTestCase):
    """Cutting a text to a number of bytes."""

    def test_cut_between_characters(self) -> None:
        """A cut that would fall inside a four-byte emoji leaves the whole
        emoji out, so the rest stays valid UTF-8."""
        self.assertEqual(cut_text("ab😃cd", 4), "ab")
        self.assertEqual(cut_text("ab😃cd", 6), "ab😃")
        self.assertEqual(cut_text("short", 100), "short")

    def test_plain_text_cut_as_any_text(self) -> None:
        """An all-ASCII line, which is cut without encoding it, is cut where
        the bytes of any text are, on both sides of the limit, for a
        message and an action, to a channel and to a nick."""
        for target, wrap in (("#tea", ACTION_WRAP), ("bob", len(b"* alice "))):
            head = f":alice!alice@chatroom PRIVMSG {target} :"
            for action in (False, True):
                room = text_room(head, wrap if action else 0)
                for size in range(room - 3, room + 4):
                    text = "x" * size
                    self.assertEqual(
                        fitted("alice", "chatroom", "PRIVMSG", target, text, action),
                        cut_text(text, room),
                    )


class OneLineCutTests(CapsTestCase):
    """What a client says in one whole line, relayed in one line."""

    def test_channel_message_cut_for_everyone(self) -> None:
        """A 510-byte line to a channel is relayed as one PRIVMSG of at most
        512 bytes whose text begins the one sent; the line user and the
        sender's echo get that same text."""
        line, (bob,) = self.line_room("carol", "bob")
        alice = self.capped("alice", "echo-message", "message-tags")
        alice.send("JOIN #tea")
        for client in (alice, bob):
            client.received()
        line.received()
        sent = "x" * (510 - len("PRIVMSG #tea :"))
        alice.send(f"PRIVMSG #tea :{sent}")
        (relayed,) = bob.received()
        self.assertEqual(len(relayed.encode()) + 2, MAX_LINE)
        kept = relayed.split(" :", 1)[1]
        self.assertEqual(kept, sent[: MAX_LINE - _HEAD])
        (echo,) = alice.received()
        self.assertEqual(untagged(echo), relayed)
        self.assertIn("msgid", tags_of(echo))
        (heard,) = line.received()
        self.assertTrue(heard.endswith(" " + kept), heard)

    def test_cut_keeps_utf8_whole(self) -> None:
        """Text ending in an emoji across the limit loses the whole emoji,
        never half of it."""
        _line, (bob,) = self.line_room("carol", "bob")
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        alice.received()
        bob.received()
        room = MAX_LINE - _HEAD
        alice.send("PRIVMSG #tea :" + "a" * (room - 2) + "😃")
        (relayed,) = bob.received()  # received() decodes: valid UTF-8
        self.assertEqual(relayed.split(" :", 1)[1], "a" * (room - 2))

    def test_what_fits_is_untouched(self) -> None:
        """A text that fits the relayed line arrives whole."""
        _line, (bob,) = self.line_room("carol", "bob")
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        alice.received()
        bob.received()
        text = "y" * (MAX_LINE - _HEAD)
        alice.send(f"PRIVMSG #tea :{text}")
        self.assertEqual(
            bob.received(), [f":alice!alice@chatroom PRIVMSG #tea :{text}"]
        )

    def test_action_cut_inside_its_ctcp(self) -> None:
        """A long /me keeps its CTCP delimiters within 512 bytes."""
        _line, (bob,) = self.line_room("carol", "bob")
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        alice.received()
        bob.received()
        alice.send("PRIVMSG #tea :\x01ACTION " + "z" * 480 + "\x01")
        (relayed,) = bob.received()
        self.assertLessEqual(len(relayed.encode()) + 2, MAX_LINE)
        self.assertTrue(relayed.endswith("z\x01"), relayed)
        self.assertIn(":\x01ACTION zzz", relayed)

    def test_private_message_and_action_cut(self) -> None:
        """To a nick, a long message and a long /me (relayed as ``* alice
        ...``) each arrive as one line of at most 512 bytes."""
        alice, bob = self.irc("alice"), self.irc("bob")
        alice.send("PRIVMSG bob :" + "p" * (510 - len("PRIVMSG bob :")))
        (said,) = bob.received()
        self.assertEqual(len(said.encode()) + 2, MAX_LINE)
        alice.send("PRIVMSG bob :\x01ACTION " + "q" * 480 + "\x01")
        (acted,) = bob.received()
        self.assertLessEqual(len(acted.encode()) + 2, MAX_LINE)
        self.assertIn(" :* alice qqq", acted)

    def test_line_users_long_text_still_split(self) -> None:
        """A line user's 1,500-byte text is not cut: IRC users get all of
        it, in several lines of at most 512 bytes."""
        line, (bob,) = self.line_room("carol", "bob")
        text = " ".join(["word"] * 300)
        line.send(text)
        pieces = [x.split(" :", 1)[1] for x in bob.received()]
        self.assertGreater(len(pieces), 2)
        self.assertEqual("".join(pieces), text)
