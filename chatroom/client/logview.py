"""The scrolling log, and the line selected in it.

It never moves the input line, and scrolls on its own terms: it follows
new lines only while the user is at the bottom. A stored line may be
*selected* (Alt-Up/Down, see :mod:`.view`): it is highlighted and kept in
view, and the keys of :mod:`.keys` act on it (reply, edit, delete, react).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import urwid

from chatroom.client.entries import LogEntry
from chatroom.client.keys import WHEEL_DOWN_BUTTON, WHEEL_UP_BUTTON
from chatroom.client.palette import PALETTE
from chatroom.client.widgets import (
    DEFAULT_TIME_FORMAT,
    SAID,
    Size,
    box_size,
    day_line,
    entry_widget,
)

#: The selected line is drawn in one style, whatever each part's own.
SELECTED: dict[Hashable, Hashable] = {
    None: "selected",
    **{entry[0]: "selected" for entry in PALETTE},
}


class LogView(urwid.WidgetWrap[urwid.Frame]):
    """The scrolling log with a "new messages" indicator.

    While the bottom is in view, new lines scroll into view. Once the user
    scrolls up, new lines are added below without moving the view, and the
    indicator counts them (and mentions of the user, which the status bar
    shows too) until the user is back at the bottom.
    """

    def __init__(self, time_format: str = DEFAULT_TIME_FORMAT) -> None:
        self.time_format = time_format
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.following = True
        self.unseen = 0
        #: Mentions and private messages that arrived while scrolled up.
        self.unseen_mentions = 0
        self._day: str | None = None
        #: Where each stored line (by id) is in the walker, to redraw it.
        self._positions: dict[int, int] = {}
        #: The line each row of the walker draws (None: a day line), to draw
        #: again those that name someone otherwise (:meth:`names_changed`).
        self._drawn: list[LogEntry | None] = []
        #: The stored line selected (its entry), if any: drawn highlighted.
        self.selected: LogEntry | None = None
        #: What the keys do to the selected line, shown below the log.
        self.selection_hint = ""
        self.indicator = urwid.Text("", align="center")
        # Keys reach the log through the screen, which has no size for it;
        # the size it was last drawn at is the one the user is looking at.
        self.last_size: tuple[int, int] = (80, 20)
        #: Told after the user scrolled (keys or wheel): following may differ.
        self.on_scroll: Callable[[], None] = lambda: None
        super().__init__(urwid.Frame(self.listbox))

    def selectable(self) -> bool:
        return False

    def render(self, size: Size, focus: bool = False) -> urwid.Canvas:
        size = box_size(size)
        if size != self.last_size and self.following:
            # The ListBox keeps its old offset on a resize; a smaller
            # terminal would then cut off the newest lines.
            self._to_bottom()
        self.last_size = size
        return super().render(size, focus)

    def _append(self, entry: LogEntry) -> None:
        """The line at the bottom, after a day line if the day changed."""
        if entry.time is not None:
            day = time.strftime("%Y-%m-%d", time.localtime(entry.time))
            if self._day is not None and day != self._day:
                self.walker.append(urwid.Text(("notice", day_line(entry.time))))
                self._drawn.append(None)
            self._day = day
        if entry.id is not None:
            self._positions[entry.id] = len(self.walker)
        self.walker.append(self._widget(entry))
        self._drawn.append(entry)

    def _clear(self) -> None:
        """No rows: the log is about to be drawn again from its first line."""
        self.walker[:] = []
        self._drawn = []
        self._positions = {}
        self._day = None

    def _widget(self, entry: LogEntry) -> urwid.Widget:
        widget = entry_widget(entry, self.time_format)
        chosen = self.selected
        if chosen is not None and entry.id == chosen.id and entry.id is not None:
            return urwid.AttrMap(widget, SELECTED)
        return widget

    def replace_entry(self, entry: LogEntry) -> None:
        """Draw again a line that changed (edited, deleted, a reaction, a
        thread's count, a preview under it), where it is. A line that grows
        grows downwards: while the log follows, its newest line stays in
        view (the ListBox keeps a grown line's top where it was)."""
        position = self._positions.get(entry.id) if entry.id is not None else None
        if self.selected is not None and self.selected.id == entry.id:
            self.selected = entry
        if position is not None and position < len(self.walker):
            self.walker[position] = self._widget(entry)
            self._drawn[position] = entry
            if self.following:
                self._to_bottom()

    def names_changed(self, entries: list[LogEntry]) -> None:
        """Draw again, where they are, the lines of ``entries`` (the log
        shown) that changed since drawn: someone they name has a new
        display name. Lines without an id (a join, a moderation line) too;
        the view stays where it was."""
        rows = [row for row, drawn in enumerate(self._drawn) if drawn is not None]
        if len(rows) == len(entries):
            for row, entry in zip(rows, entries, strict=True):
                if self._drawn[row] != entry:
                    if self.selected is not None and self.selected.id == entry.id:
                        self.selected = entry
                    self.walker[row] = self._widget(entry)
                    self._drawn[row] = entry
        else:  # not the lines drawn: all of them again, at the same row
            focus = self.listbox.focus_position if self.walker else 0
            self._clear()
            for entry in entries:
                self._append(entry)
            if self.walker:
                self.listbox.set_focus(min(focus, len(self.walker) - 1))
        if self.following:
            self._to_bottom()

    def select(self, entry: LogEntry | None, hint: str = "") -> None:
        """Highlight ``entry`` (None: none) and bring it into view; ``hint``
        (what the keys do to it) shows below the log meanwhile."""
        before, self.selected = self.selected, entry
        self.selection_hint = hint if entry is not None else ""
        for each in (before, entry):
            if each is not None:
                self.replace_entry(each)
        position = self._positions.get(entry.id) if entry and entry.id else None
        if position is not None:
            self.listbox.set_focus(position)
            self.listbox.set_focus_valign("middle")
            self.following = False
        elif entry is None and before is not None:
            self.to_newest()
        self._show_indicator()

    def append(self, entry: LogEntry) -> None:
        """Add one line at the bottom, following it only if the user is there."""
        self._append(entry)
        if self.following:
            self._to_bottom()
        elif entry.kind in SAID:
            self.unseen += 1
            self.unseen_mentions += entry.mentions_me
            self._show_indicator()

    def at_top(self) -> bool:
        """Whether the oldest line is in view (or there are none)."""
        if not self.walker:
            return True
        return "top" in self.listbox.ends_visible(self._listbox_size(self.last_size))

    def show_older(self, entries: Iterable[LogEntry], anchor: LogEntry | None) -> None:
        """The log again, with older lines put in above ``anchor`` (the
        oldest line there was). The view moves up one page into them, the
        anchor at the bottom, as if they had always been there; without an
        anchor (there was nothing older), to the top, where the log says so."""
        unseen, mentions = self.unseen, self.unseen_mentions
        self._clear()
        position = None
        for entry in entries:
            if entry is anchor:
                position = len(self.walker)
            self._append(entry)
        self.unseen, self.unseen_mentions = unseen, mentions
        self.following = False
        if not self.walker:
            return
        if position is None:
            self.listbox.set_focus(0)
            self.listbox.set_focus_valign("top")
        else:
            self.listbox.set_focus(position)
            self.listbox.set_focus_valign("bottom")
        self._show_indicator()

    def redraw(self, entries: Iterable[LogEntry], anchor: LogEntry | None) -> None:
        """The log again, with lines put in where they belong (a merged
        ``/history``, the *new messages* divider): while it follows, the
        newest line stays in view; scrolled up, it moves as
        :meth:`show_older` does, ``anchor`` at the bottom."""
        if not self.following:
            self.show_older(entries, anchor)
            return
        self._clear()
        for entry in entries:
            self._append(entry)
        self._to_bottom()
        self._show_indicator()

    def show(self, entries: Iterable[LogEntry]) -> None:
        """Replace the lines (another page's log), following its newest."""
        self.selected, self.selection_hint = None, ""
        self._clear()
        self.following = True
        self.unseen = self.unseen_mentions = 0
        for entry in entries:
            self.append(entry)
        self._show_indicator()

    def to_newest(self) -> None:
        """Jump to the newest line and follow again."""
        self.following = True
        self.unseen = self.unseen_mentions = 0
        self._to_bottom()
        self._show_indicator()

    def to_oldest(self) -> None:
        """Jump to the oldest line (where PgUp's fetch puts earlier ones):
        the log no longer follows."""
        if self.walker:
            self.listbox.set_focus(0)
            self.listbox.set_focus_valign("top")
            self.following = len(self.walker) <= 1
            self._show_indicator()

    def _to_bottom(self) -> None:
        if self.walker:
            self.listbox.set_focus(len(self.walker) - 1)
            self.listbox.set_focus_valign("bottom")

    def _show_indicator(self) -> None:
        if self.selection_hint:
            self.indicator.set_text(("indicator", f"── {self.selection_hint} ──"))
            self._w.footer = urwid.AttrMap(self.indicator, "indicator")
            return
        if self.following:
            self._w.footer = None
            return
        news = (
            f"{self.unseen} new message{'s' if self.unseen != 1 else ''} below"
            if self.unseen
            else "scrolled up"
        )
        self.indicator.set_text(("indicator", f"── {news} · PgDn, ctrl end ──"))
        self._w.footer = urwid.AttrMap(self.indicator, "indicator")

    def _listbox_size(self, size: tuple[int, int]) -> tuple[int, int]:
        columns, rows = size
        return columns, max(1, rows - (0 if self._w.footer is None else 1))

    def scroll(self, size: tuple[int, int], key: str, repeat: int = 1) -> None:
        """Scroll by a urwid ListBox key ("page up", "up", ...).

        Whether the view is at the bottom afterwards decides if it follows.
        """
        listbox_size = self._listbox_size(size)
        for _ in range(repeat):
            self.listbox.keypress(listbox_size, key)
        at_bottom = "bottom" in self.listbox.ends_visible(self._listbox_size(size))
        # Following is simply "the newest line is in view".
        if at_bottom or not self.walker:
            self.to_newest()
        else:
            self.following = False
            self._show_indicator()
        self.on_scroll()

    def mouse_event(
        self,
        size: Size,
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool:
        if event != "mouse press":
            return False
        if button == WHEEL_UP_BUTTON:
            self.scroll(box_size(size), "up", repeat=3)
            return True
        if button == WHEEL_DOWN_BUTTON:
            self.scroll(box_size(size), "down", repeat=3)
            return True
        return False
