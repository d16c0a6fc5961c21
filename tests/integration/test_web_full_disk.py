"""The web client when the server's disk is full: a refused line stays on screen.

The real ``twistd chatroom`` runs with ``--db`` on a 2 MiB tmpfs the test
mounts and fills (see :mod:`tests.integration.filesystems`); the page, in
headless chromium, sends a message the server must refuse. Its input box
is cleared when it sends, so the text must come back in the refusal.
"""

from __future__ import annotations

import os

from tests.integration.filesystems import fill, mounted_tmpfs
from tests.integration.real_clients import RealClientsCase


class WebFullDiskTests(RealClientsCase):
    """A page in a room when the server's disk fills."""

    server_options = ("--rate", "0")

    def setUp(self) -> None:
        self.disk = mounted_tmpfs(self, "2m")
        self.db = os.path.join(self.disk, "chat.sqlite3")
        super().setUp()

    def test_refused_message_stays_on_screen(self) -> None:
        """The room is told why; the refused text is in the page's log."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        page.type_into("create-input", "tea")
        page.wait_page("room")
        bob = self.line_user("bob")
        bob.send("/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))

        fill(os.path.join(self.disk, "filler"))
        n = 0
        while not any(line.startswith("ERR UNAVAILABLE ") for line in bob.lines):
            n += 1  # acknowledged until the next commit finds the disk full
            bob.send(f"filling {n}")
            text = f" filling {n}"
            bob.wait(lambda line: line.endswith(text), "a reply")  # noqa: B023
        page.shows("the server's disk is full: new messages are refused")

        page.type_into("message-input", "is anyone there?")
        page.shows(  # in plain words, with the text that was not sent
            "The server's disk is full, so this was not sent: is anyone there?"
        )
        self.assertEqual(page.element("message-input").get_attribute("value"), "")
        bob.send("PING after")  # whatever bob was sent before is read by then
        bob.wait(lambda line: line == "PONG after", "PONG")
        self.assertFalse([x for x in bob.lines if x.endswith(" is anyone there?")])
