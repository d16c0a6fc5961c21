"""The web client when the server's disk is full: a refused line stays on screen.

The real ``twistd chatroom`` runs with ``--db`` on a 2 MiB tmpfs the test
mounts and fills (see :mod:`tests.integration.filesystems`); the page, in
headless chromium, sends a message the server must refuse. Its input box
is cleared when it sends, so the refusal says why, quoting the text, and
the line stays in the log, pending, in the page's outbox, which sends it
again with its key until the disk has room (the filler removed).
"""

from __future__ import annotations

import os

from tests.client.tmux import wait_for
from tests.integration.filesystems import fill, mounted_tmpfs
from tests.integration.real_clients import BrowserPage, RealClientsCase


class WebFullDiskTests(RealClientsCase):
    """A page in a room when the server's disk fills."""

    server_options = ("--rate", "0")

    def setUp(self) -> None:
        self.disk = mounted_tmpfs(self, "2m")
        self.db = os.path.join(self.disk, "chat.sqlite3")
        super().setUp()

    def test_refused_message_stays_on_screen(self) -> None:
        """The room is told why; the refusal, quoting the text, is in the
        page's log once, the line stays there pending, and, the disk
        freed, it is said once: one row, and bob gets it once."""
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

        filler = os.path.join(self.disk, "filler")
        fill(filler)
        n = 0
        while not any(line.startswith("ERR UNAVAILABLE ") for line in bob.lines):
            n += 1  # acknowledged until the next commit finds the disk full
            bob.send(f"filling {n}")
            text = f" filling {n}"
            bob.wait(lambda line: line.endswith(text), "a reply")  # noqa: B023
        page.shows("the server's disk is full: new messages are refused")

        said = "is anyone there?"
        page.type_into("message-input", said)
        page.shows(  # in plain words, with the text that was not sent
            f"The server's disk is full, so this was not sent: {said}"
        )
        self.assertEqual(page.element("message-input").get_attribute("value"), "")
        wait_for("the line pending", lambda: self.marks(page, said) == ["pending"])
        wait_for(  # sent again with its key, and refused again
            "a second refusal",
            lambda: (
                page.driver.execute_script(
                    "return [...OUTBOX.said.values()].map((said) => said.refusals)"
                )
                == [2]
            ),
        )
        self.assertEqual(self.marks(page, said), ["pending"])
        self.assertEqual(self.told(page, said), 1)  # not at every try
        bob.send("PING full")  # whatever bob was sent before is read by then
        bob.wait(lambda line: line == "PONG full", "PONG")
        self.assertFalse([x for x in bob.lines if x.endswith(f" {said}")])

        os.remove(filler)
        wait_for("the line said", lambda: self.marks(page, said) == [""], 30)
        bob.wait(lambda line: line.endswith(f" {said}"), "the line")
        bob.send("PING after")
        bob.wait(lambda line: line == "PONG after", "PONG")
        self.assertEqual(len([x for x in bob.lines if x.endswith(f" {said}")]), 1)
        self.assertEqual(self.marks(page, said), [""])
        self.assertEqual(self.told(page, said), 1)

    def marks(self, page: BrowserPage, text: str) -> list[str]:
        """The log's message rows of ``text``: "pending" for each pending."""
        rows = page.driver.execute_script(
            "return [...document.querySelectorAll('#log > li.message')]"
            ".filter((row) => row.querySelector('.text')?.textContent === arguments[0])"
            ".map((row) => (row.classList.contains('pending') ? 'pending' : ''))",
            text,
        )
        return list(rows)

    def told(self, page: BrowserPage, text: str) -> int:
        """How many of the log's rows say ``text`` was not sent."""
        ending = f"so this was not sent: {text}"
        return sum(row.endswith(ending) for row in page.log().split("\n"))
