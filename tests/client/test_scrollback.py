"""PgUp to the top of a long room: older messages go above, in order, and
the log's markers stay where they belong (issue 23).

The model and the screen are the real ones; the server's replies to
``/history`` are fed in the wire syntax, as the controller would pass them.
"""

from __future__ import annotations

import re

from twisted.trial import unittest

from chatroom.client.model import Page, SessionModel, log_key
from chatroom.client.view import ChatScreen
from chatroom.wire.lines import parse_time
from tests.client.support import SIZE, RecordedActions, feed, screen_text

STAMP = "2026-11-21T18:04:05.123Z"


def history(first: int, last: int) -> list[str]:
    """Stored messages ``first`` to ``last`` of tea, with their ids."""
    return [
        f"@{number} HISTORY tea bob {STAMP} message {number}"
        for number in range(first, last + 1)
    ]


class OlderMessagesTests(unittest.TestCase):
    """A room of 120 messages; joining replays the last 50."""

    def setUp(self) -> None:
        self.model = SessionModel(now=lambda: parse_time(STAMP))  # one day
        self.actions = RecordedActions()
        self.screen = ChatScreen(self.model, self.actions, "example:8080")
        feed(
            self.model,
            "HELLO chatroom 1 hi",
            "WELCOME alice",
            "JOINED tea 2 256",
            "MEMBERS tea bob alice",
            *history(71, 120),
            "TOPIC tea bob Tea and biscuits",
        )

    def page_up_to_the_top(self) -> None:
        """PgUp until the screen asks for older messages."""
        asked = self.actions.older
        for _ in range(40):
            screen_text(self.screen)
            self.screen.keypress(SIZE, "page up")
            if self.actions.older > asked:
                return
        self.fail("PgUp never reached the top of the log")

    def log_lines(self) -> list[str]:
        """Every line of the log view, top to bottom, without the times."""
        lines = []
        for widget in self.screen.log_view.walker:
            rows = widget.render((80,)).text
            text = " ".join(row.decode().strip() for row in rows)
            lines.append(re.sub(r"^\d\d:\d\d ", "", text))
        return lines

    def test_older_messages_inserted_above_in_order(self) -> None:
        """Two pages of older messages go between the history marker and the
        oldest line; the join line and the marker stay at the top, once."""
        self.page_up_to_the_top()
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, *history(21, 70), "HISTORY_END tea 50")
        self.page_up_to_the_top()
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, *history(1, 20), "HISTORY_END tea 20")
        lines = self.log_lines()
        self.assertEqual(lines[0], "• you joined tea")
        self.assertIn("earlier messages", lines[1])
        self.assertEqual(
            lines[2:122], [f"<bob> message {number}" for number in range(1, 121)]
        )
        self.assertIn("topic: Tea and biscuits", lines[122])
        self.assertEqual(len(lines), 123)

    def test_view_moves_up_into_what_was_fetched(self) -> None:
        """After the fetch the screen shows the newest of the older messages
        right above the line that was the oldest: reading goes on upwards."""
        self.page_up_to_the_top()
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, *history(21, 70), "HISTORY_END tea 50")
        rows = [row.split("│")[0].strip() for row in screen_text(self.screen)]
        at = next(i for i, row in enumerate(rows) if row.endswith("message 71"))
        self.assertTrue(rows[at - 1].endswith("message 70"), rows)
        self.assertNotIn("you joined tea", "\n".join(rows))

    def test_no_earlier_messages_at_the_top(self) -> None:
        """The end of the room's history is said at its top, under the
        marker, and the screen shows it; the bottom of the log is untouched."""
        self.page_up_to_the_top()
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, *history(1, 70), "HISTORY_END tea 70")
        self.page_up_to_the_top()
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, "HISTORY_END tea 0")
        lines = self.log_lines()
        self.assertEqual(lines[0], "• you joined tea")
        self.assertIn("earlier messages", lines[1])
        self.assertEqual(lines[2], "• no earlier messages")
        self.assertEqual(lines[3], "<bob> message 1")
        self.assertIn("topic: Tea and biscuits", lines[-1])
        rows = "\n".join(screen_text(self.screen))
        self.assertIn("no earlier messages", rows)
        self.assertIn("you joined tea", rows)
