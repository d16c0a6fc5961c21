"""The web client's formatted text in headless chromium: a message's
Markdown as the page shows it, what must stay text (raw HTML, a
``javascript:`` link), an action left plain, and an IRC client's bold
(WeeChat's) shown as bold (docs/web.md, "Formatted text").

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.test_web_life import WebLifeCase, event_id

#: The message line whose words contain ``arguments[0]``, as what a person
#: sees of it: its words' elements (tag names, in order), their text, and
#: every link's address, target and rel.
SHOWN = """
const line = [...document.querySelectorAll("#log li.message, #log li.history")]
  .filter((item) => item.querySelector(".text")
    && item.querySelector(".text").textContent.includes(arguments[0])).pop();
if (!line) return null;
const words = line.querySelector(".text");
return {
  tags: [...words.querySelectorAll("*")].map((node) => node.tagName.toLowerCase()),
  text: words.textContent,
  links: [...words.querySelectorAll("a")]
    .map((a) => [a.getAttribute("href"), a.target, a.rel]),
  handlers: [...words.querySelectorAll("*")].flatMap((node) =>
    [...node.attributes].map((attribute) => attribute.name)
      .filter((name) => name.startsWith("on"))),
  strong: [...words.querySelectorAll("strong")].map((node) => node.textContent),
  code: [...words.querySelectorAll(":not(pre) > code")].map((node) => node.textContent),
  blocks: [...words.querySelectorAll("pre > code")].map((node) => node.textContent),
  blockStyle: [...words.querySelectorAll("pre")].map((node) => {
    const style = getComputedStyle(node);
    const font = getComputedStyle(node.firstChild).fontFamily;
    return [style.overflowX, style.whiteSpace, font];
  }),
};
"""


class WebFormattingTests(WebLifeCase):
    def shown(self, page: BrowserPage, text: str) -> dict[str, Any]:
        wait_for(repr(text), lambda: self.script(page, SHOWN, text) is not None)
        shown: dict[str, Any] = self.script(page, SHOWN, text)
        return shown

    def test_markdown_is_formatted(self) -> None:
        """Strong, inline code, a link and a pasted fenced block show as
        such: the link opens in a new tab without this page, the block is
        monospaced, keeps its indentation and scrolls sideways; an edit's
        new words are formatted too."""
        page, bob = self.in_tea()
        bob.send("**bold** and `code` and [the docs](https://example.com/d) too")
        shown = self.shown(page, "the docs")
        self.assertEqual(shown["tags"], ["strong", "code", "a"])
        self.assertEqual(shown["text"], "bold and code and the docs too")
        self.assertEqual(shown["strong"], ["bold"])
        self.assertEqual(shown["code"], ["code"])
        self.assertEqual(
            shown["links"], [["https://example.com/d", "_blank", "noopener noreferrer"]]
        )
        long_line = "x = " + "1 + " * 80 + "1"
        bob.send(
            "/paste here it is:\\n```python\\ndef brew(pot):\\n    return pot\\n"
            f"{long_line}\\n```"
        )
        shown = self.shown(page, "here it is")
        self.assertEqual(
            shown["blocks"], [f"def brew(pot):\n    return pot\n{long_line}"]
        )
        ((overflow, white_space, font),) = shown["blockStyle"]
        self.assertEqual((overflow, white_space), ("auto", "pre"))
        self.assertIn("monospace", font)
        scrolls = self.script(
            page,
            "const pre = document.querySelector('#log pre');"
            "return pre.scrollWidth > pre.clientWidth;",
        )
        self.assertTrue(scrolls)
        self.screenshot(page, "formatted")
        self.assert_accessible(page, "formatted")

        said = event_id(
            bob, " **bold** and `code` and [the docs](https://example.com/d) too"
        )
        bob.send(f"/edit {said} now *slanted* and ~~struck~~")
        shown = self.shown(page, "now slanted")
        self.assertEqual(shown["tags"], ["em", "s"])

    def test_html_and_scripts_stay_text(self) -> None:
        """Raw HTML, an ``<img onerror>``, ``javascript:`` and ``data:``
        links show as the words typed: no element, no handler, nothing run."""
        page, bob = self.in_tea()
        self.script(
            page, "window.ran = []; window.alert = (what) => window.ran.push(what);"
        )
        typed = [
            "<img src=x onerror=alert(1)> one",
            "[x](javascript:alert(2)) two",
            "<b>raw</b> <script>alert(3)</script> three",
            "[y](data:text/html,<script>alert(4)</script>) four",
            "<javascript:alert(5)> five",
        ]
        for text in typed:
            bob.send(text)
        for text in typed:
            shown = self.shown(page, text.rsplit(" ", 1)[1])
            self.assertEqual((shown["tags"], shown["text"]), ([], text), text)
            self.assertEqual(shown["handlers"], [])
        self.assertEqual(self.find(page, "#log img, #log script, #log b"), [])
        self.assertEqual(self.script(page, "return window.ran;"), [])

    def test_actions_stay_plain(self) -> None:
        """A ``/me`` is plain text: its stars show as typed."""
        page, bob = self.in_tea()
        bob.send("/me **waves** at https://example.com/w")
        shown = self.shown(page, "waves")
        self.assertEqual(shown["text"], "**waves** at https://example.com/w")
        self.assertEqual(shown["tags"], ["a"])

    def test_weechat_bold_is_bold(self) -> None:
        """What a WeeChat user says in bold (IRC's ``\\x02``) is bold in the
        page; the stars they type are stars."""
        page, _ = self.in_tea()
        weechat = self.weechat("willow")
        weechat.command("join #tea")
        weechat.shows("#tea", "willow")
        weechat.command("msg #tea \x02tea\x02 is ready, 2*3*4 cups")
        shown = self.shown(page, "is ready")
        self.assertEqual(shown["strong"], ["tea"])
        self.assertEqual(shown["text"], "tea is ready, 2*3*4 cups")
