"""Threads and pins in the web page, in headless chromium: a thread's
message quotes the thread's first message, as a reply does, and pins,
/pins and /threads are lines of the room's log in words.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from tests.client.test_terminal import wait_for
from tests.integration.test_web_life import WebLifeCase, event_id


class WebThreadsTests(WebLifeCase):
    def test_threads_and_pins_in_words(self) -> None:
        """bob's thread message quotes his question; wes (the owner) pins
        the question: PIN, then /pins and /threads answered in the log."""
        page, bob = self.in_tea()
        bob.send("who has the key?")
        root = event_id(bob, " who has the key?")
        page.shows("<bob> who has the key?")
        bob.send(f"/thread {root} anyone?")
        page.shows("<bob> anyone?")
        wait_for(
            "the thread's first message quoted",
            lambda: "↪ bob: who has the key?" in self.line_of(page, "anyone?").text,
        )
        page.type_into("message-input", f"/pin {root}")
        page.shows(f"wes pinned message #{root}")
        page.type_into("message-input", "/pins")
        page.shows(f"pinned #{root} by bob: who has the key?")
        page.shows("(tea has 1 pinned message)")
        page.type_into("message-input", "/threads")
        page.shows(f"thread #{root}: 1 reply, the last #")
        self.screenshot(page, "threads-and-pins")
