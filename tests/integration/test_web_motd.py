"""The operator's message of the day in the web page (``--motd FILE``), in
headless chromium: shown above the lobby's rooms once signed in, and only
when the server has one.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from pathlib import Path

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase

MOTD = "Welcome to the tea club.\n\nBe kind: the rules are in #help.\n"


class WebMotdTests(WebCase):
    """A server started with ``--motd``."""

    def setUp(self) -> None:
        motd = Path(self.mktemp()).resolve()
        motd.parent.mkdir(parents=True, exist_ok=True)
        motd.write_text(MOTD, encoding="utf-8")
        self.server_options = ("--rate", "0", "--motd", str(motd))
        super().setUp()

    def test_lobby_shows_the_motd(self) -> None:
        """The lobby shows the file's lines, blank one included, above the
        rooms; the page stays accessible with it."""
        page = self.open_page()
        self.assertFalse(page.visible("motd"))  # not before signing in
        self.enter(page, "wes")
        wait_for("the MOTD", lambda: page.visible("motd"))
        wait_for(
            "all of it",
            lambda: (
                page.element("motd").text
                == "Welcome to the tea club.\n\nBe kind: the rules are in #help."
            ),
        )
        self.screenshot(page, "motd")
        self.assert_accessible(page, "lobby")


class WebWithoutMotdTests(WebCase):
    """A server started without ``--motd``."""

    def test_no_motd_shown(self) -> None:
        """The lobby has no message of the day."""
        page = self.open_page()
        self.enter(page, "wes")
        wait_for("the room list", lambda: "general" in page.element("room-list").text)
        self.assertFalse(page.visible("motd"))
