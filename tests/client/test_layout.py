"""What the screen shows as a daily driver: logs per page, layout, status bar.

The real screen over a model fed with server lines, read by rendering.
"""

from __future__ import annotations

import time

from twisted.internet.task import Clock

from chatroom.client.model import EntryKind
from chatroom.client.refresher import ScreenRefresher
from chatroom.client.view import ChatScreen
from chatroom.wire.lines import parse_time
from tests.client.support import (
    IN_LOBBY,
    IN_TEA,
    SIZE,
    RecordedActions,
    ScreenTestCase,
    feed,
    screen_text,
)

STAMP = "2026-11-21T18:04:05.123Z"


class PageLogTests(ScreenTestCase):
    """Each page and room has its own log."""

    def test_username_errors_stay_on_the_username_page(self) -> None:
        """A refused name is not shown again in the lobby."""
        feed(self.model, "HELLO chatroom 1 hi", "ERR NAME_TAKEN bob is taken")
        feed(self.model, *IN_LOBBY[1:])
        self.assertNotIn("bob is taken", self.text())

    def test_previous_room_not_above_you_joined(self) -> None:
        """Joining another room starts from its own log, not the last room's."""
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} tea talk")
        feed(self.model, "JOINED coffee 1 256", "MEMBERS coffee alice")
        self.assertNotIn("tea talk", self.text())
        self.assertIn("you joined coffee", self.text())
        feed(self.model, "JOINED tea 2 256")  # back again: its lines are back
        self.assertIn("tea talk", self.text())


class ResizeTests(ScreenTestCase):
    """Shrinking the terminal keeps the newest line in view (defect 5)."""

    def test_shrinking_keeps_the_newest_line(self) -> None:
        """After a resize to 60x20 the last message is still on screen."""
        feed(self.model, *IN_TEA)
        for index in range(40):
            words = " ".join(f"w{index}x{word}" for word in range(12))
            feed(self.model, f"MSG tea bob {STAMP} line {index:02d} {words}")
        screen_text(self.screen, (100, 40))
        rows = screen_text(self.screen, (60, 20))
        # The newest line wraps over several rows; its last word is shown.
        self.assertIn("w39x11", "\n".join(rows))


class RefresherStopTests(ScreenTestCase):
    """After stop() nothing redraws (defect 1: exit tracebacks)."""

    def test_no_redraw_after_stop(self) -> None:
        """A redraw pending at exit is cancelled, and later changes draw nothing."""
        clock = Clock()
        draws: list[int] = []
        refresher = ScreenRefresher(self.model, clock, lambda: draws.append(1))
        feed(self.model, *IN_LOBBY)
        refresher.stop()
        feed(self.model, "ROOM tea 2 256")
        clock.advance(1)
        self.assertEqual(draws, [])


class LayoutTests(ScreenTestCase):
    """Wrapping, narrow terminals, days and seconds."""

    def test_wrapped_lines_indent_under_the_text(self) -> None:
        """A long message's second row starts under the text, not the time."""
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} {'word ' * 30}")
        rows = [row for row in screen_text(self.screen) if "word" in row]
        self.assertGreater(len(rows), 1)
        self.assertTrue(rows[1].startswith(" " * 6 + "word"), rows[1])

    def test_member_list_hidden_on_narrow_terminals(self) -> None:
        """At 40 columns the log has the whole width; at 80 the members show."""
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} {'x' * 30}")
        self.assertIn("Members", "\n".join(screen_text(self.screen, (80, 24))))
        narrow = screen_text(self.screen, (40, 24))
        self.assertNotIn("Members", "\n".join(narrow))
        self.assertIn("x" * 30, "\n".join(narrow))

    def test_day_change_line(self) -> None:
        """A message on a later day than the last one is preceded by the date."""
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} before midnight")
        feed(self.model, "MSG tea bob 2026-11-23T12:00:00.000Z two days on")
        later = time.localtime(parse_time("2026-11-23T12:00:00.000Z"))
        self.assertIn(time.strftime("──── %A %d %B %Y ────", later), self.text())

    def test_seconds_by_setting(self) -> None:
        """A time format with seconds (the settings file's) shows them."""
        screen = ChatScreen(
            self.model, RecordedActions(), "example:8080", time_format="%H:%M:%S"
        )
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} hello")
        local = time.strftime("%H:%M:%S", time.localtime(parse_time(STAMP)))
        self.assertIn(f"{local} <bob> hello", "\n".join(screen_text(screen)))

    def test_lobby_list_marked_stale_after_watch_off(self) -> None:
        """When the server stops pushing changes the list says so (defect 6)."""
        feed(self.model, *IN_LOBBY, "LOBBY not watching")
        self.assertIn("not kept up to date", self.text())
        feed(self.model, "LOBBY watching")
        self.assertNotIn("not kept up to date", self.text())


class StatusBarTests(ScreenTestCase):
    """Lag, mentions missed while scrolled up, the bell, the retry key."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA)

    def status_row(self) -> str:
        return screen_text(self.screen)[-2]

    def test_lag_shown(self) -> None:
        """The measured round trip is at the right of the status bar."""
        self.model.note_connected("connected to example:8080 as alice")
        self.model.set_lag(0.042)
        self.assertIn("lag 42ms", self.status_row())

    def test_mentions_ring_and_are_counted_while_scrolled_up(self) -> None:
        """A mention rings the bell; one missed while scrolled up is counted,
        and a private message, in its own buffer, is counted in the list."""
        feed(self.model, f"MSG tea bob {STAMP} hi alice")
        self.assertEqual(self.rings, 1)
        for index in range(40):
            feed(self.model, f"MSG tea bob {STAMP} filler {index}")
        screen_text(self.screen)
        self.screen.keypress(SIZE, "page up")
        feed(self.model, f"MSG tea bob {STAMP} alice, look")
        feed(self.model, f"PRIVMSG carol alice {STAMP} psst")
        self.assertEqual(self.rings, 3)
        self.assertIn("1 mention ↓", self.status_row())
        self.assertIn("2:carol(1!)", self.text())
        self.screen.keypress(SIZE, "ctrl end")
        self.assertNotIn("mentions", self.status_row())

    def test_history_does_not_ring(self) -> None:
        """An old mention replayed on joining is not news: no bell."""
        feed(self.model, "JOINED coffee 2 256", f"HISTORY coffee bob {STAMP} alice?")
        self.assertEqual(self.rings, 0)

    def test_retry_key(self) -> None:
        """Ctrl-R asks the controller to reconnect now."""
        self.screen.keypress(SIZE, "ctrl r")
        self.assertEqual(self.actions.retries, 1)

    def test_client_notes_do_not_count(self) -> None:
        """Only messages count as unseen; the client's own notes do not ring."""
        self.model.note("connection lost", EntryKind.ERROR)
        self.assertEqual(self.rings, 0)
