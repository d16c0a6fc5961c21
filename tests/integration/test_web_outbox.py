"""The page's outbox as a person meets it on a bad network: chromium talks
to the real server through a relay (:mod:`tests.relay`) that the test
stops, makes swallow what the page sends or what the server answers, and
cuts. Whatever happens, a line typed once is said once: the room gets it
exactly once (a member live or in its join's replay, and ``/history``),
every time the page sends it it carries its one key (read off the
WebSocket's messages at the relay), and the page ends with one row
holding it, with no pending word.
"""

from __future__ import annotations

import contextlib

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
)

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.web_support import WebCase
from tests.relay import PENDING, Relay, said_once


class WebOutboxTests(WebCase):
    db = "chat.db"

    def setUp(self) -> None:
        super().setUp()
        self.relay = Relay(self.server.http_port, websocket=True)
        self.addCleanup(self.relay.close)

    def page_in(self, name: str, room: str) -> BrowserPage:
        """A page of ``name``'s, through the relay, in ``room``."""
        page = self.browser()
        page.driver.get(f"http://127.0.0.1:{self.relay.port}/")
        page.wait_page("username")
        self.enter(page, name)
        self.go_to(page, room)
        return page

    def rows(self, page: BrowserPage, text: str = "") -> list[str]:
        """The rows of the room's log that hold ``text``."""
        rows = self.script(
            page,
            "return [...document.querySelectorAll('#log > li')]"
            ".map(row => row.innerText)",
        )
        return [row for row in rows if text in row]

    def shows_pending(self, page: BrowserPage, text: str) -> None:
        wait_for(
            f"{text!r} shown pending",
            lambda: any(PENDING.search(row) for row in self.rows(page, text)),
        )

    def ends_as_one_row(self, page: BrowserPage, text: str) -> None:
        """The page ends with one row holding ``text``, not pending."""

        def one_row() -> bool:
            rows = self.rows(page, text)
            return len(rows) == 1 and PENDING.search(rows[0]) is None

        wait_for(f"{text!r} as one row, said", one_row)
        self.assertEqual(len(self.rows(page, text)), 1, self.rows(page, text))

    def test_a_line_typed_while_the_server_is_stopped(self) -> None:
        page = self.page_in("wes", "tea")
        words = "said while it was down"
        self.server.stop()
        wait_for("the page offline", lambda: page.visible("connection"))
        page.type_into("message-input", words)
        self.shows_pending(page, words)
        self.assertEqual(self.relay.keys_sent("tea", words), [])

        self.server.start()
        reconnect_now(page)
        wait_for("back", lambda: not page.visible("connection"))
        wait_for("it sent", lambda: bool(self.relay.keys_sent("tea", words)))
        said_once(self, self.in_room("mia", "tea"), "tea", words)
        self.ends_as_one_row(page, words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)

    def test_a_line_the_network_swallowed_is_sent_again_with_its_key(self) -> None:
        page = self.page_in("wes", "tea")
        member = self.in_room("mia", "tea")
        words = "lost on the way"
        self.relay.swallowing_sent = True
        page.type_into("message-input", words)
        wait_for("it sent", lambda: bool(self.relay.keys_sent("tea", words)))
        self.shows_pending(page, words)
        self.assertFalse([line for line in member.listen(0.3) if words in line])
        self.relay.cut()

        wait_for("it sent again", lambda: len(self.relay.keys_sent("tea", words)) >= 2)
        said_once(self, member, "tea", words)
        self.ends_as_one_row(page, words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)

    def test_a_line_whose_answer_was_lost_is_said_once(self) -> None:
        page = self.page_in("wes", "tea")
        member = self.in_room("mia", "tea")
        words = "answer lost"
        self.relay.swallowing_answers = True
        page.type_into("message-input", words)
        member.wait(lambda line: line.endswith(f" {words}"), "the line in the room")
        self.shows_pending(page, words)
        self.relay.cut()

        wait_for("it sent again", lambda: len(self.relay.keys_sent("tea", words)) >= 2)
        self.ends_as_one_row(page, words)
        said_once(self, member, "tea", words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)

    def test_each_stands_where_it_was_typed(self) -> None:
        """Two lines typed while the server is stopped; back, the first is
        said while the second is held on the way: the first stands above
        the second, still pending; after a cut both are said, in order."""
        page = self.page_in("wes", "tea")
        self.server.stop()
        wait_for("the page offline", lambda: page.visible("connection"))
        page.type_into("message-input", "first typed")
        page.type_into("message-input", "second typed")
        self.relay.swallowing_sent = lambda line: line.endswith(" second typed")
        self.server.start()
        reconnect_now(page)
        member = self.in_room("mia", "tea")
        member.wait(lambda line: line.endswith(" first typed"), "the first")
        wait_for("the first said", lambda: self.rows(page, "first typed") != [])
        wait_for(
            "the first said, above the second pending",
            lambda: self.order(page) == ["first typed", "second typed pending"],
        )
        self.relay.cut()
        wait_for(
            "both said, in order",
            lambda: self.order(page) == ["first typed", "second typed"],
        )
        said_once(self, member, "tea", "second typed")

    def order(self, page: BrowserPage) -> list[str]:
        """The rows of the two lines, in order, each "pending" if it is."""
        return [
            ("first typed" if "first typed" in row else "second typed")
            + (" pending" if PENDING.search(row) else "")
            for row in self.rows(page, "typed")
        ]

    def test_a_line_for_a_room_it_cannot_go_back_to_is_taken_out(self) -> None:
        """Typed while away from a room whose key was set meanwhile: the
        page cannot go back in, and says so, naming the line not sent;
        the line waits no more, and was never sent."""
        owner = self.line_user("mia")
        owner.send("/create tea")
        owner.wait(lambda line: line.startswith("JOINED tea"), "tea made")
        page = self.page_in("wes", "tea")
        self.relay.refusing = True
        self.relay.cut()
        wait_for("the page offline", lambda: page.visible("connection"))
        owner.send("/set key s3cret")
        owner.wait(lambda line: line.startswith("SET tea key on"), "the key set")
        page.type_into("message-input", "for a room now locked")
        self.shows_pending(page, "for a room now locked")
        self.relay.refusing = False
        reconnect_now(page)
        wait_for(
            "why it was not sent",
            lambda: "not sent: “for a room now locked”" in page.error(),
        )
        self.assertIn("could not go back to tea", page.error())
        self.assertEqual(self.script(page, "return OUTBOX.said.size"), 0)
        self.assertEqual(self.relay.keys_sent("tea", "for a room now locked"), [])


def reconnect_now(page: BrowserPage) -> None:
    """Reconnect now, as the person would, unless the page is back already:
    its own retry may come first, hiding the bar and its button (gone, or
    going as the click lands: the title is then under the pointer)."""
    with contextlib.suppress(
        ElementNotInteractableException, ElementClickInterceptedException
    ):
        page.element("reconnect-now").click()
