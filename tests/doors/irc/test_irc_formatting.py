"""Formatted text at the IRC door: IRC's formatting codes and the Markdown
the text is stored in, both ways (chatroom.doors.irc.formatting).

IRC clients are real :class:`IRCProtocol` objects over ``StringTransport``
(:class:`tests.doors.irc.test_irc.IRCTestCase`), line users real line
sessions: what one types is what the others are sent.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.doors.irc import rendering
from chatroom.doors.irc.formatting import irc_markdown, irc_text
from tests.doors.irc.test_irc import IRCTestCase
from tests.support import FakeClient


def said(line: str) -> str:
    """The words of a line door ``MSG``/``ACTION`` (after room, user, time)."""
    return line.split(" ", 4)[4]


class IRCFormattingInTests(IRCTestCase):
    """What an IRC user formats is stored as Markdown and shown as such."""

    def test_codes_become_markdown(self) -> None:
        """Bold, italics, monospace and strikethrough reach a line user as
        Markdown's; another IRC user gets bold and italics as the codes
        that were sent, monospace and strikethrough as their Markdown
        characters (\\x11 and \\x1e are read, never sent)."""
        bob, (alice, dave) = self.line_room("bob", "alice", "dave")
        sent = "\x02bold\x02 \x1dslanted\x1d \x11code\x11 \x1egone\x1e"
        alice.send(f"PRIVMSG #tea :{sent}")
        (line,) = bob.received()
        self.assertEqual(said(line), "**bold** *slanted* `code` ~~gone~~")
        self.assertEqual(
            dave.received(),
            [
                ":alice!alice@chatroom PRIVMSG #tea :"
                "\x02bold\x02 \x1dslanted\x1d `code` ~~gone~~"
            ],
        )

    def test_reset_colours_and_spaces(self) -> None:
        """``\\x0f`` ends every style; colours and underline go, their
        words stay; spaces inside a code stay outside the marks (so the
        page still reads them as bold)."""
        bob, (alice,) = self.line_room("bob", "alice")
        alice.send("PRIVMSG #tea :\x02\x1d both\x0f \x0304,02red\x03 \x1funder\x1f")
        (line,) = bob.received()
        self.assertEqual(said(line), " ***both*** red under")

    def test_typed_marks_stay_words(self) -> None:
        """An IRC user's literal stars and backticks are escaped, so the
        page shows them as typed; IRC clients get them as typed; words
        Markdown reads as themselves are stored untouched."""
        bob, (alice, dave) = self.line_room("bob", "alice", "dave")
        alice.send(
            "PRIVMSG #tea :2*3*4 is `twenty-four`", "PRIVMSG #tea :> not a quote"
        )
        alice.send("PRIVMSG #tea :see snake_case at http://x.example/a_b")
        lines = [said(line) for line in bob.received()]
        self.assertEqual(
            lines,
            [
                "2\\*3\\*4 is \\`twenty-four\\`",
                "\\> not a quote",
                "see snake_case at http://x.example/a_b",
            ],
        )
        self.assertEqual(
            [line.split(" :", 1)[1] for line in dave.received()],
            [
                "2*3*4 is `twenty-four`",
                "> not a quote",
                "see snake_case at http://x.example/a_b",
            ],
        )

    def test_bold_stars_beside_typed_stars(self) -> None:
        """Typed stars inside bold stay stars (escaped), not more emphasis."""
        bob, (alice,) = self.line_room("bob", "alice")
        alice.send("PRIVMSG #tea :\x02**\x02")
        (line,) = bob.received()
        self.assertEqual(said(line), "**\\*\\***")

    def test_action_is_plain(self) -> None:
        """An action's codes are stripped and its stars kept as they are:
        a /me is never Markdown."""
        bob, (alice,) = self.line_room("bob", "alice")
        alice.send("PRIVMSG #tea :\x01ACTION \x02waves\x02 *at* you\x01")
        (line,) = bob.received()
        self.assertRegex(line, r"^ACTION tea alice \S+ waves \*at\* you$")

    def test_nickserv_password_as_typed(self) -> None:
        """A password with Markdown's marks, registered by PRIVMSG to
        NickServ, is the one typed: the line door's /login signs in with it."""
        alice = self.irc("alice")
        alice.send("PRIVMSG NickServ :REGISTER *tea*_pot_`42`")
        self.assertIn("Account created", alice.received()[0])
        line = FakeClient(self.next_server())
        line.received()
        line.send("/login alice *tea*_pot_`42`")
        self.assertIn("WELCOME alice", line.received())

    def test_multiline_batch_lines(self) -> None:
        """Each line of a ``draft/multiline`` batch is translated alike."""
        bob, (alice,) = self.line_room("bob", "alice")
        alice.send(
            "CAP REQ :batch draft/multiline",
            "BATCH +1 draft/multiline #tea",
            "@batch=1 PRIVMSG #tea :\x02first\x02",
            "@batch=1 PRIVMSG #tea :2*3*4",
            "BATCH -1",
        )
        (line,) = [line for line in bob.received() if line.startswith("MSG ")]
        self.assertEqual(said(line), "**first** 2\\*3\\*4")


class IRCFormattingOutTests(IRCTestCase):
    """What is stored as Markdown reaches IRC clients as IRC's codes."""

    def test_markdown_becomes_codes(self) -> None:
        """Strong and emphasis as IRC's codes; inline code and
        strikethrough keep their backticks and tildes, which read the same
        in every client (irssi shows \\x11 and \\x1e as a reverse-video Q
        and ^); a link and an escape as IRC clients read them."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send(
            "**bold** *slanted* `make run` ~~ignore~~ [docs](https://x.example/d) \\*"
        )
        (line,) = alice.received()
        self.assertEqual(
            line,
            ":bob!bob@chatroom PRIVMSG #tea :\x02bold\x02 \x1dslanted\x1d "
            "`make run` ~~ignore~~ docs (https://x.example/d) *",
        )
        self.assertNotRegex(line, "[\x11\x1e]")

    def test_code_span_with_backticks_inside(self) -> None:
        """A code span holding a backtick goes out fenced as Markdown
        writes it, so it reads as the same span."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("try ``a`b`` now")
        self.assertEqual(
            alice.received(), [":bob!bob@chatroom PRIVMSG #tea :try ``a`b`` now"]
        )

    def test_plain_words_unchanged(self) -> None:
        """Text with no Markdown in it goes out byte for byte; a refused
        link (``javascript:``) is the words that were typed."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("snake_case at 3 > 2")
        bob.send("[x](javascript:alert(1))")
        self.assertEqual(
            alice.received(),
            [
                ":bob!bob@chatroom PRIVMSG #tea :snake_case at 3 > 2",
                ":bob!bob@chatroom PRIVMSG #tea :[x](javascript:alert(1))",
            ],
        )

    def test_action_is_plain(self) -> None:
        """A line user's ``/me`` goes out with its stars as they are."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("/me **waves**")
        self.assertEqual(
            alice.received(),
            [":bob!bob@chatroom PRIVMSG #tea :\x01ACTION **waves**\x01"],
        )

    def test_fenced_block_in_a_paste(self) -> None:
        """A pasted fenced block's lines go out as they are, between its
        fences, one message a line (no \\x11); a line after it keeps its
        bold."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("/paste ```py\\ndef brew(pot):\\n    return pot\\n```\\n**done**")
        self.assertEqual(
            [line.split(" :", 1)[1] for line in alice.received()],
            ["```py", "def brew(pot):", "    return pot", "```", "\x02done\x02"],
        )

    def test_paste_keeps_its_indentation(self) -> None:
        """A paste's lines outside a fence keep the spaces they start with."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("/paste def brew(pot):\\n    return *pot*")
        self.assertEqual(
            [line.split(" :", 1)[1] for line in alice.received()],
            ["def brew(pot):", "    return \x1dpot\x1d"],
        )

    def test_multiline_client_gets_the_block_as_a_batch(self) -> None:
        """A ``draft/multiline`` client gets the same lines in one batch."""
        bob, (alice,) = self.line_room("bob", "alice")
        alice.send("CAP REQ :batch draft/multiline")
        alice.received()
        bob.send("/paste > quoted *line*\\n- item")
        lines = alice.received()
        self.assertIn(" BATCH +", lines[0])
        words = [line.split(" PRIVMSG #tea :", 1)[1] for line in lines[1:-1]]
        self.assertEqual(words, ["> quoted \x1dline\x1d", "- item"])

    def test_translated_once_for_every_member(self) -> None:
        """A formatted message to IRC members of several capability sets
        is translated once per door (cached on the event), not once per
        member."""
        calls: list[str] = []

        def counted(markdown: str) -> str:
            calls.append(markdown)
            return irc_text(markdown)

        self.patch(rendering, "irc_text", counted)
        bob, members = self.line_room("bob", "a1", "a2", "a3", "a4")
        members[0].send("CAP REQ :server-time")
        members[1].send("CAP REQ :message-tags")
        for member in members:
            member.received()
        bob.send("**all** of you")
        for member in members:
            (line,) = member.received()
            self.assertIn(":\x02all\x02 of you", line)
        # Once on each node (the members are spread over the servers).
        self.assertEqual(calls, ["**all** of you"] * len(self.servers))


class TranslationTests(unittest.TestCase):
    """The translation's table, both ways, as functions."""

    def test_round_trip(self) -> None:
        """IRC → Markdown → IRC gives back what was sent; monospace and
        strikethrough come back as their Markdown characters."""
        for sent, back in (
            ("\x02bold\x02", "\x02bold\x02"),
            (
                "\x1ditalics\x1d and \x1d\x02both\x02\x1d",
                "\x1ditalics\x1d and \x1d\x02both\x02\x1d",
            ),
            ("\x11a`b\x11", "``a`b``"),
            ("\x11make run\x11", "`make run`"),
            ("\x1estruck\x1e", "~~struck~~"),
            ("plain 2*3*4 [x](y)", "plain 2*3*4 [x](y)"),
        ):
            with self.subTest(sent=sent):
                self.assertEqual(irc_text(irc_markdown(sent)), back)

    def test_lists_and_quotes_keep_their_marks(self) -> None:
        """A list's and a quote's lines go out with their markers."""
        self.assertEqual(
            irc_text("1. one\n2. **two**\n   more\n\n> said"),
            "1. one\n2. \x02two\x02\n   more\n> said",
        )
