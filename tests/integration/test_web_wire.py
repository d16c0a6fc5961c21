"""The page speaks as the server does, from ``/wire.js``: a paste held to
the server's bounds (``chatroom/wire/pastes.py``).

See :mod:`tests.integration.web_support` for how pages are driven.
"""

from __future__ import annotations

from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import WebCase


class WebWireCase(WebCase):
    def in_tea(self) -> tuple[BrowserPage, LineUser]:
        """wes's page in tea (wes made it), bob there too."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        return page, self.in_room("bob", "tea")


class PasteBoundsTests(WebWireCase):
    def test_a_paste_past_the_servers_bounds_stays_in_the_input(self) -> None:
        """33 lines pasted into the input are one line too many for the
        server: Enter sends nothing, the log says why in the server's
        numbers, and the lines stay in the input to be cut; the next line
        typed is the first bob gets."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        field = page.element("message-input")
        pasted = "".join(f"line {number}\r\n" for number in range(33))
        page.driver.execute_cdp_cmd("Input.insertText", {"text": pasted})
        field.send_keys(Keys.ENTER)
        page.shows(
            "not sent: a paste is at most 32 lines and 4000 bytes"
            " (this one has 33 lines, 221 bytes)"
        )
        self.assertEqual(field.get_attribute("value").count("\n"), 33)
        field.send_keys(Keys.CONTROL, "a", Keys.NULL, Keys.DELETE)
        field.send_keys("after the paste", Keys.ENTER)
        first = bob.wait(
            lambda line: line.startswith("MSG tea wes "), "wes's first line"
        )
        self.assertTrue(first.endswith(" after the paste"), first)
