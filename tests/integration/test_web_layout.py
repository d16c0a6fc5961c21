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
        self.screenshot(page, "phone")
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
