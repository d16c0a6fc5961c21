"""A big room (``--big-room 2``) in the web client, in headless chromium.

See :mod:`tests.integration.web_support` for how pages are driven.
"""

from __future__ import annotations

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase


class WebBigRoomTests(WebCase):
    server_options = ("--rate", "0", "--big-room", "2")

    def test_the_member_list_shows_who_speaks(self) -> None:
        """In a room of four past ``--big-room`` 2, the page lists the
        announced members and its user (of the true count), says why, and
        adds a quiet member when it speaks; one that never spoke is not
        listed."""
        olive = self.line_user("olive")
        olive.send("/create tea")
        olive.wait(lambda line: line.startswith("MEMBERS tea"), "tea's members")
        bob = self.in_room("bob", "tea")
        carol = self.in_room("carol", "tea")  # the third: joins quietly
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.shows("arrivals and departures are shown only for members who speak")
        wait_for(
            "the announced members",
            lambda: page.element("members").text.split() == ["olive", "bob", "wes"],
        )
        self.assertEqual(page.element("members-heading").text, "Members (3 of 4)")
        carol.send("hello from carol")
        page.shows("<carol> hello from carol")
        self.assertIn("carol joined", page.log())
        wait_for("carol listed", lambda: "carol" in page.element("members").text)
        del bob
