"""The web client on a phone, by keyboard alone, and checked by axe-core
for accessibility on each view in both themes.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.web_support import (
    CHECKOUT,
    DOC_SHOTS,
    DOCS_IMAGES,
    PHONE,
    WebCase,
)

AT_NEWEST = """
const log = document.getElementById("log");
return log.scrollHeight - log.scrollTop - log.clientHeight < 5;
"""

#: How many pixels of the message list's scroller are inside the viewport.
LOG_IN_VIEW = """
const box = document.getElementById("log").getBoundingClientRect();
return Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
"""

#: The topic as shown: whether it is, its width, and each word of four
#: letters or more that is broken over two lines (its letters' boxes on
#: more than one line).
TOPIC_SHOWN = """
const topic = document.getElementById("topic");
const box = topic.getBoundingClientRect();
if (topic.hidden || !box.width || getComputedStyle(topic).visibility === "hidden") {
  return { shown: false, width: 0, broken: [] };
}
const text = [...topic.childNodes].find((node) => node.nodeType === Node.TEXT_NODE);
const broken = [];
for (const word of text.data.matchAll(/\\p{L}{4,}/gu)) {
  const range = document.createRange();
  range.setStart(text, word.index);
  range.setEnd(text, word.index + word[0].length);
  const lines = new Set([...range.getClientRects()]
    .filter((rect) => rect.width > 0).map((rect) => Math.round(rect.bottom)));
  if (lines.size > 1) broken.push(word[0]);
}
return { shown: true, width: box.width, broken };
"""

#: A 70-character topic, long words among its words.
LONG_TOPIC = "Cream teas on Sundays: scones, clotted cream, strawberry jam and Assam"


def box(page: BrowserPage, element_id: str) -> dict[str, int]:
    rect = page.element(element_id).rect
    return {key: round(value) for key, value in rect.items()}


class PhoneTests(WebCase):
    def test_phone_layout(self) -> None:
        """At 390×844 the messages take the full width, the member list is
        behind a button (which says how many, and opens and closes it), and
        the log stays at the newest line while the screen changes size (as
        a phone's keyboard does)."""
        page = self.open_page(phone=True)
        self.assert_accessible(page, "name (phone)")
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        for number in range(40):
            bob.send(f"a longer line of chat, number {number}, to fill the screen")
        page.shows("number 39")
        width, _ = PHONE
        self.assertFalse(page.visible("member-panel"))
        self.assertGreater(box(page, "log")["width"], width - 30)
        self.assertEqual(page.element("members-button").text, "Members (2)")
        self.assertTrue(self.script(page, AT_NEWEST))
        self.screenshot(page, "phone-log")
        self.assert_accessible(page, "room (phone)")

        for height in (500, 844, 600):  # the keyboard opens, closes, opens
            page.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": width,
                    "height": height,
                    "deviceScaleFactor": 1,
                    "mobile": True,
                },
            )
            wait_for(
                f"the newest line at {height}", lambda: self.script(page, AT_NEWEST)
            )
        bob.send("one more")
        page.shows("<bob> one more")
        wait_for("the newest line", lambda: self.script(page, AT_NEWEST))

        page.element("members-button").click()
        wait_for("the members", lambda: page.visible("member-panel"))
        self.assertEqual(
            page.element("members-button").get_attribute("aria-expanded"), "true"
        )
        self.assertEqual(page.element("members").text.split(), ["wes", "bob"])
        self.screenshot(page, "phone-members")
        self.assert_accessible(page, "members (phone)")
        page.element("members-button").click()
        wait_for("the members hidden", lambda: not page.visible("member-panel"))
        self.theme(page, "dark")
        self.assert_accessible(page, "room (phone, dark)")


class PhoneLayoutTests(WebCase):
    def test_phone_layout(self) -> None:
        """The spec's ``phone_layout``: chromium's mobile emulation at
        390×844, an account in a room with a 70-character topic and 30
        messages. The message list's scroller has at least 422 px (half
        the screen) inside the viewport; the header is one line, its
        actions (Download my data, Sign out, the search box) behind one
        Menu; the room's bar is one line (Rooms, the title, Members, ⋯);
        the topic has a line of its own, at least half the screen wide,
        with no word broken over two lines (cut with an ellipsis), and a
        tap shows it whole, still without a broken word."""
        self.assertEqual(len(LONG_TOPIC), 70)
        page = self.open_page(phone=True)
        page.element("register-input").click()
        page.type_into("name-input", "p9alice", enter=False)
        page.type_into("password-input", "phone-layout-tea")
        page.wait_page("lobby")
        self.go_to(page, "p9room")
        page.type_into("message-input", f"/topic {LONG_TOPIC}")
        wait_for("the topic", lambda: page.element("topic").text == LONG_TOPIC)
        bob = self.in_room("p9bob", "p9room")
        for number in range(30):
            bob.send(f"line {number} of the chat, long enough to wrap on a phone")
        page.shows("line 29 of the chat")
        self.screenshot(page, "phone")
        width, height = PHONE

        in_view = self.script(page, LOG_IN_VIEW)
        self.assertGreaterEqual(in_view, 422, f"the log has {in_view} px of {height}")
        topic = self.script(page, TOPIC_SHOWN)
        self.assertTrue(topic["shown"])
        self.assertGreaterEqual(topic["width"], width / 2)
        self.assertEqual(topic["broken"], [])
        bar = [
            box(page, name)["y"]
            for name in (
                "rooms-button",
                "room-title",
                "members-button",
                "room-menu-button",
            )
        ]
        self.assertLess(max(bar) - min(bar), 12, f"the room's bar in one line: {bar}")
        self.assertGreater(box(page, "topic")["y"], max(bar))  # a line of its own
        self.assertFalse(page.visible("member-panel"))

        header = page.driver.find_element("css selector", "header").rect
        self.assertLess(header["height"], 50, "the header in one line")
        for action in ("export-button", "signout-button", "search-input"):
            self.assertFalse(page.visible(action), action)
        page.element("menu-button").click()
        wait_for("the header's menu", lambda: page.visible("signout-button"))
        for action in ("export-button", "search-input"):
            self.assertTrue(page.visible(action), action)
        self.assertEqual(
            page.element("menu-button").get_attribute("aria-expanded"), "true"
        )
        self.screenshot(page, "phone-menu")
        self.assert_accessible(page, "the header's menu (phone)")
        page.element("menu-button").click()
        wait_for("the menu closed", lambda: not page.visible("signout-button"))

        page.element("room-menu-button").click()
        wait_for("the room's menu", lambda: page.visible("leave-button"))
        self.assert_accessible(page, "the room's menu (phone)")
        page.element("room-menu-button").click()
        wait_for("the room's menu closed", lambda: not page.visible("leave-button"))

        page.element("topic").click()
        wait_for(
            "the topic whole",
            lambda: page.element("topic").get_attribute("aria-expanded") == "true",
        )
        whole = self.script(page, TOPIC_SHOWN)
        self.assertEqual(whole["broken"], [])
        self.assertGreater(box(page, "topic")["height"], 30)  # its lines, all of them
        self.screenshot(page, "phone-topic")
        self.assertGreaterEqual(self.script(page, LOG_IN_VIEW), 300)


class KeyboardTests(WebCase):
    def test_every_view_by_keyboard_and_axe(self) -> None:
        """Name, lobby and room are used with the keyboard alone (Tab
        completes a room's name in the lobby's field), focus always
        visible; axe-core finds no serious or critical violation on the
        name, lobby, room and offline views, in the light and dark themes."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        self.line_user("olive").send("/create tea")
        page = self.open_page()
        keys = ActionChains(page.driver)
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"name ({scheme})")
        self.theme(page, "light")
        keys.send_keys("wes", Keys.ENTER).perform()
        page.wait_page("lobby")
        self.assertEqual(self.focused(page), "create-input")
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"lobby ({scheme})")
        wait_for("tea listed", lambda: bool(self.find(page, '[data-room="tea"]')))
        ActionChains(page.driver).send_keys("te", Keys.TAB).perform()  # completed
        self.assertEqual(page.element("create-input").get_attribute("value"), "tea ")
        page.element("create-input").clear()
        # Back from the field to the room list (general, tea), into tea.
        keys = ActionChains(page.driver)
        keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        active = page.driver.switch_to.active_element
        self.assertEqual(active.get_attribute("data-room"), "tea")
        outline = active.value_of_css_property("outline-style")
        self.assertNotEqual(outline, "none")  # focus is visible
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        page.wait_page("room")
        self.assertEqual(self.focused(page), "message-input")
        ActionChains(page.driver).send_keys("hello", Keys.ENTER).perform()
        page.shows("<wes> hello")
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"room ({scheme})")
        self.assertEqual(page.element("log").get_attribute("aria-live"), "polite")

        self.server.stop()
        wait_for("the banner", lambda: page.visible("connection"))
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"offline ({scheme})")


class DocsPicturesTests(WebCase):
    """docs/web.md shows the tests' own screenshots (no server needed)."""

    def setUp(self) -> None:
        """Nothing to start: these read files."""

    def test_docs_show_the_tests_screenshots(self) -> None:
        """Every picture docs/web.md shows is one a browser test takes (so
        ``make web-screenshots`` renews it) and is in docs/images/."""
        docs = (CHECKOUT / "docs" / "web.md").read_text()
        shown = set(re.findall(r"\(images/web-([\w-]+)\.png\)", docs))
        self.assertEqual(shown, set(DOC_SHOTS))
        tests = "".join(
            path.read_text() for path in Path(__file__).parent.glob("test_web_*.py")
        )
        taken = set(re.findall(r'self\.screenshot\(\w+, "([\w-]+)"\)', tests))
        self.assertLessEqual(set(DOC_SHOTS), taken)
        for name in DOC_SHOTS:
            self.assertTrue((DOCS_IMAGES / f"web-{name}.png").is_file(), name)
