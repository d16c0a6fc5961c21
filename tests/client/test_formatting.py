"""The terminal client's formatted text: a message's Markdown shown with
the terminal's styles (chatroom.client.formatting), on a real model and
screen fed the server's lines."""

from __future__ import annotations

from chatroom.client.palette import PALETTE
from tests.client.support import IN_TEA, ScreenTestCase, feed, screen_text
from tests.client.test_view import attributes_of

STAMP = "2026-11-21T18:04:05.123Z"


class FormattedMessageTests(ScreenTestCase):
    """What a person sees of a message's Markdown."""

    def test_styles_on_the_words(self) -> None:
        """Strong is bold, emphasis italic, strikethrough struck, code in
        its colour, a link underlined with its address after it; the marks
        themselves are not shown."""
        feed(
            self.model,
            *IN_TEA,
            f"@7 MSG tea bob {STAMP} **hot** *brewed* ~~cold~~ `pot` [menu](https://x.example/m)",
        )
        text = self.text()
        self.assertIn("<bob> hot brewed cold pot menu (https://x.example/m)", text)
        self.assertNotIn("**", text)
        self.assertEqual(attributes_of(self.screen, "hot"), {"message.strong"})
        self.assertEqual(attributes_of(self.screen, "brewed"), {"message.emphasis"})
        self.assertEqual(attributes_of(self.screen, "cold"), {"message.struck"})
        self.assertEqual(attributes_of(self.screen, "pot"), {"message.code"})
        self.assertEqual(attributes_of(self.screen, "menu"), {"message.link"})
        settings = {entry[0]: entry[1] for entry in PALETTE}
        self.assertEqual(settings["message.strong"], "default,bold")
        self.assertEqual(settings["message.emphasis"], "default,italics")
        self.assertEqual(settings["message.struck"], "default,strikethrough")

    def test_mention_keeps_its_highlight(self) -> None:
        """Formatted words in a line that names the user keep the mention's
        colours, with the style added."""
        feed(self.model, *IN_TEA, f"@7 MSG tea bob {STAMP} **alice** look")
        self.assertEqual(attributes_of(self.screen, " look"), {"mention"})
        self.assertIn("mention.strong", attributes_of(self.screen, "alice"))

    def test_quote_list_and_fenced_paste(self) -> None:
        """A quote's and a list's lines are marked, each on its own row; a
        pasted fenced block's lines are code, its fences gone, its
        indentation kept."""
        tag = (
            r"```\ndef\sbrew(pot):\n\s\s\s\sreturn\spot\n```"
            r"\n>\sit\sis\s*hot*\n-\sone\n-\stwo"
        )
        feed(
            self.model,
            *IN_TEA,
            f"@14;multiline={tag} MSG tea bob {STAMP} def brew(pot): ...",
        )
        rows = [row.rstrip() for row in screen_text(self.screen, (50, 24))]
        at = next(i for i, row in enumerate(rows) if "<bob> (7 lines)" in row)
        shown = [row.split("│ ", 1)[1] for row in rows[at + 1 : at + 6]]
        self.assertEqual(
            shown,
            ["def brew(pot):", "    return pot", "▌ it is hot", "• one", "• two"],
        )
        self.assertEqual(attributes_of(self.screen, "brew(pot)"), {"message.code"})
        self.assertEqual(attributes_of(self.screen, "hot"), {"message.emphasis"})

    def test_actions_and_raw_html_stay_words(self) -> None:
        """A /me keeps its stars; raw HTML is the words typed."""
        feed(
            self.model,
            *IN_TEA,
            f"@7 ACTION tea bob {STAMP} **waves**",
            f"@8 MSG tea bob {STAMP} <b>tea</b> & [x](javascript:alert(1))",
        )
        text = self.text()
        self.assertIn("* bob **waves**", text)
        self.assertIn("<bob> <b>tea</b> & [x](javascript:alert(1))", text)
