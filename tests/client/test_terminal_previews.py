"""A link's preview in a real terminal (issue 33): the client in tmux
against a real ``twistd chatroom --preview-allow 127.0.0.1/32``, the page
served on 127.0.0.1. Saved screens: see ``tmux.py``."""

from __future__ import annotations

from tests.client.tmux import TerminalCase, TerminalClient
from tests.integration.real_clients import LineUser
from tests.integration.test_web_previews import serve_pages


class PreviewTerminalTests(TerminalCase):
    """The card is a dim line under its message."""

    server_options = ("--rate", "0", "--preview-allow", "127.0.0.1/32")

    def setUp(self) -> None:
        super().setUp()
        self.pages = serve_pages(self)

    def test_a_link_shows_its_preview_under_the_message(self) -> None:
        """bob posts a link; alice's screen shows the message, then under it
        ``↳ title — description (site)``, the title's markup as text."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("JOINED tea"), "JOINED tea")
        alice = TerminalClient(self, "alice", "--username", "alice")
        alice.shows("you are alice")
        alice.type_line("/join tea")
        alice.shows("you joined tea")
        site = f"127.0.0.1:{self.pages.server_address[1]}"
        bob.send(f"look http://{site}/tea")
        alice.shows(f"<bob> look http://{site}/tea")
        alice.shows("↳ Tea <b>time</b> — Leaves, water and time.")
        screen = alice.capture("preview")
        self.assertIn(f"({site})", screen)  # the site, wrapped or not
