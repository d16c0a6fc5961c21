"""Emoji by name in the web client, in headless chromium: ``:tea`` in the
room's input offers 🍵 (Tab or Enter puts it in, Up and Down mark another),
a whole ``:tea:`` becomes 🍵 as a space follows, and the reaction picker's
field searches every emoji. Another member, at the line door, gets what
was sent. The emoji come from ``/emoji.json``, fetched on first use only.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.test_web_life import WebLifeCase, event_id

#: The options of the list over the room's input, "*" after the marked one.
OFFERED = """
return [...document.querySelectorAll(arguments[0] + " [role=option]")]
  .map((option) => option.textContent
    + (option.getAttribute("aria-selected") === "true" ? "*" : ""));
"""

#: Whether the page has fetched /emoji.json.
FETCHED = """
return performance.getEntriesByType("resource")
  .some((entry) => new URL(entry.name).pathname === "/emoji.json");
"""


def said(line: str, text: str) -> bool:
    """Whether a line bob got is wes saying ``text`` in tea."""
    return " MSG tea wes " in line and line.endswith(f"Z {text}")


class WebEmojiTests(WebLifeCase):
    def offered(self, page: BrowserPage, where: str = "#completions") -> list[str]:
        return list(self.script(page, OFFERED, where))

    def search_picker(self, page: BrowserPage, typed: str) -> Any:
        """The picker of bob's question opened, ``typed`` in its field
        (the field, for more keys)."""
        self.open_menu(page, "scones or tea?")
        page.element("menu-react").click()
        wait_for("the picker", lambda: page.visible("react-picker"))
        field = page.element("react-input")
        field.send_keys(typed)
        return field

    def test_shortcodes_complete_in_the_room_input(self) -> None:
        """``:te`` lists 🍵 :tea: first, marked; Down and Up move the mark;
        Tab puts in 🍵 and Enter sends it. ``:tea`` and Enter puts it in
        without sending; ``:tea:`` and a space is 🍵 too. bob reads each."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        self.assertFalse(self.script(page, FETCHED), "emoji.json on the first load")
        message = page.element("message-input")
        message.send_keys(":te")
        wait_for("emoji offered", lambda: page.visible("completions"))
        self.assertTrue(self.script(page, FETCHED))
        offered = self.offered(page)
        self.assertEqual(offered[:2], ["🍵 :tea:*", "⛺ :tent:"])
        self.assertEqual(len(offered), 8)
        self.assert_accessible(page, "the emoji offered")
        self.screenshot(page, "emoji-offered")
        message.send_keys(Keys.ARROW_DOWN)
        self.assertEqual(self.offered(page)[:2], ["🍵 :tea:", "⛺ :tent:*"])
        message.send_keys(Keys.ARROW_UP)
        self.assertEqual(self.offered(page)[0], "🍵 :tea:*")
        message.send_keys(Keys.TAB)
        self.assertEqual(message.get_attribute("value"), "🍵 ")
        message.send_keys("for two", Keys.ENTER)
        bob.wait(lambda line: said(line, "🍵 for two"), "wes's 🍵")

        message.send_keys("more :tea", Keys.ENTER)
        wait_for("the offer taken", lambda: not page.visible("completions"))
        self.assertEqual(message.get_attribute("value"), "more 🍵 ")
        message.send_keys("and :thumbsup: or `:tea: `", Keys.ENTER)
        bob.wait(
            lambda line: said(line, "more 🍵 and 👍 or `:tea: `"),
            "wes's line with a shortcode typed whole, and one in code",
        )

        message.send_keys(":zzzzqq")
        self.assertFalse(page.visible("completions"))
        message.send_keys(Keys.BACKSPACE * 6, "te", Keys.ESCAPE)
        wait_for("the list closed", lambda: not page.visible("completions"))
        self.assertEqual(message.get_attribute("value"), ":te")

    def test_reaction_picker_searches_every_emoji(self) -> None:
        """The picker's field finds 🍵 by "tea" (and 🍯 by a later word of
        its name, "pot"); Down and Up mark one, Enter reacts with it, and bob
        sees the reaction; a word no emoji is called is still a reaction. An
        emoji found by name is the one typed elsewhere: 👍 counts with bob's."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        bob.send("scones or tea?")
        tea_id = event_id(bob, " scones or tea?")
        page.shows("<bob> scones or tea?")
        field = self.search_picker(page, "tea")
        wait_for("emoji found", lambda: page.visible("react-found"))
        found = self.offered(page, "#react-found")
        self.assertEqual(found[0], "🍵 :tea:*")
        self.assertIn("🫖 :teapot:", found)
        self.assert_accessible(page, "the reaction picker's search")
        self.screenshot(page, "emoji-search")
        field.send_keys(Keys.ARROW_DOWN, Keys.ARROW_UP, Keys.ENTER)
        bob.wait(lambda line: line.endswith(f" REACT tea {tea_id} wes 🍵"), "wes's 🍵")
        wait_for("wes's chip", lambda: self.chips(page, "scones") == ["🍵 1*"])

        self.search_picker(page, "pot")
        wait_for(
            "emoji found by pot",
            lambda: self.offered(page, "#react-found")[:1] == ["🥔 :potato:*"],
        )
        found = self.offered(page, "#react-found")
        marked = found.index("🍯 :honey_pot:")
        field.send_keys(Keys.ARROW_DOWN * marked, Keys.ENTER)
        bob.wait(lambda line: line.endswith(f" REACT tea {tea_id} wes 🍯"), "wes's 🍯")

        self.search_picker(page, ":scone:").send_keys(Keys.ENTER)
        bob.wait(lambda line: line.endswith(f" {tea_id} wes :scone:"), "wes's :scone:")

        bob.send(f"/react {tea_id} 👍")
        self.search_picker(page, "thumbsup").send_keys(Keys.ENTER)
        bob.wait(lambda line: line.endswith(f" REACT tea {tea_id} wes 👍"), "wes's 👍")
        wait_for(
            "every chip, 👍 found by name counted with bob's",
            lambda: (
                self.chips(page, "scones") == ["🍵 1*", "🍯 1*", ":scone: 1*", "👍 2*"]
            ),
        )

    def test_emoji_list_is_served_as_the_other_files(self) -> None:
        """``/emoji.json`` is emojibase's emoji, each with its label and
        shortcodes, with ``/app.js``'s caching and security headers."""
        url = f"http://127.0.0.1:{self.server.http_port}/"
        with urllib.request.urlopen(url + "emoji.json") as response:
            headers, rows = response.headers, json.loads(response.read())
        with urllib.request.urlopen(url + "app.js") as response:
            script_headers = response.headers
        self.assertEqual(headers["content-type"], "application/json")
        for name in (
            "cache-control",
            "content-security-policy",
            "x-content-type-options",
        ):
            self.assertEqual(headers[name], script_headers[name], name)
        self.assertIn(["🍵", "teacup without handle", "tea"], rows)
        self.assertGreater(len(rows), 1800)
