"""The lobby's list of a server with more rooms than it shows, in headless
chromium (``--lobby-rooms``): the page says how many more there are and
how to see them, and ``/list`` in the lobby's field lists every room.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase


class WebLobbyListTests(WebCase):
    """Three permanent rooms; the lobby shows one."""

    server_options = (
        "--rate",
        "0",
        "--rooms",
        "general,help,news",
        "--lobby-rooms",
        "1",
    )

    def test_the_lobby_counts_the_rooms_it_leaves_out(self) -> None:
        """general, and "2 more rooms: type /list to see them all"; after
        /list, all three and no such line."""
        page = self.open_page()
        self.enter(page, "wes")
        wait_for("the room list", lambda: "general" in page.element("room-list").text)
        wait_for("the count of more", lambda: page.visible("rooms-more"))
        self.assertEqual(
            page.element("rooms-more").text, "2 more rooms: type /list to see them all."
        )
        self.assertNotIn("news", page.element("room-list").text)
        self.screenshot(page, "lobby-more")
        self.assert_accessible(page, "lobby")
        page.type_into("create-input", "/list")
        wait_for("every room", lambda: "news" in page.element("room-list").text)
        self.assertFalse(page.visible("rooms-more"))
