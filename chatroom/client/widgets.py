"""The urwid widgets the pages are built from.

Each one draws part of the model and nothing else; none of them talks to
the network. The log never moves the input line, and scrolls on its own
terms: it follows new lines only while the user is at the bottom.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

import urwid

from chatroom.client.keys import WHEEL_DOWN_BUTTON, WHEEL_UP_BUTTON
from chatroom.client.model import EntryKind, LogEntry, RoomListing

#: Palette entries that give each user a stable colour of their own.
USER_ATTRIBUTES = tuple(f"user{index}" for index in range(8))

Markup = list[tuple[str, str] | str]


def user_attribute(name: str) -> str:
    """The same palette entry for a name every time, on every client.

    crc32 rather than ``hash()``: Python salts string hashes per process.
    """
    return USER_ATTRIBUTES[zlib.crc32(name.casefold().encode()) % len(USER_ATTRIBUTES)]


def local_clock(moment: float | None) -> str:
    """``HH:MM`` in the user's local time (the server sends UTC)."""
    if moment is None:
        return "     "
    return time.strftime("%H:%M", time.localtime(moment))


def entry_markup(entry: LogEntry) -> Markup:
    """How one log line looks: its kind, its user's colour, a mention's highlight."""
    stamp: Markup = [
        ("earlier" if entry.earlier else "timestamp", local_clock(entry.time) + " ")
    ]
    name = (user_attribute(entry.user), entry.user)
    text_attribute = (
        "mention" if entry.mentions_me else ("earlier" if entry.earlier else "message")
    )
    kind = entry.kind
    if kind == EntryKind.MESSAGE:
        return [*stamp, "<", name, "> ", (text_attribute, entry.text)]
    if kind == EntryKind.ACTION:
        attribute = "action" if text_attribute == "message" else text_attribute
        return [*stamp, ("action", "* "), name, (attribute, f" {entry.text}")]
    if kind == EntryKind.PRIVATE:
        return [
            *stamp,
            ("private", f"[private] {entry.user} → {entry.target}: "),
            ("mention" if entry.mentions_me else "private", entry.text),
        ]
    if kind == EntryKind.JOIN:
        return [*stamp, ("join", "→ "), name, ("join", " joined")]
    if kind == EntryKind.PART:
        return [*stamp, ("part", "← "), name, ("part", f" left ({entry.text})")]
    if kind == EntryKind.NICK:
        return [
            *stamp,
            ("notice", "• "),
            name,
            ("notice", f" is now known as {entry.text}"),
        ]
    if kind == EntryKind.TOPIC:
        return [
            *stamp,
            ("notice", "• topic: "),
            ("topic", entry.text),
            ("notice", f" (set by {entry.user})"),
        ]
    if kind == EntryKind.ERROR:
        return [*stamp, ("error", f"! {entry.text}")]
    if kind == EntryKind.EARLIER:
        return [("earlier", "──── earlier messages ────")]
    if kind == EntryKind.HELP:
        return [("help", f"  {entry.text}")]
    return [*stamp, ("notice", f"• {entry.text}")]


class LogView(urwid.WidgetWrap[urwid.Frame]):
    """The scrolling log with a "new messages" indicator.

    While the bottom is in view, new lines scroll into view. Once the user
    scrolls up, new lines are added below without moving the view, and the
    indicator counts them until the user is back at the bottom.
    """

    def __init__(self) -> None:
        self.walker = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.following = True
        self.unseen = 0
        self.indicator = urwid.Text("", align="center")
        # Keys reach the log through the screen, which has no size for it;
        # the size it was last drawn at is the one the user is looking at.
        self.last_size: tuple[int, int] = (80, 20)
        super().__init__(urwid.Frame(self.listbox))

    def selectable(self) -> bool:
        return False

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        self.last_size = size
        return super().render(size, focus)

    def append(self, entry: LogEntry) -> None:
        """Add one line at the bottom, following it only if the user is there."""
        self.walker.append(urwid.Text(entry_markup(entry)))
        if self.following:
            self._to_bottom()
        elif entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION, EntryKind.PRIVATE):
            self.unseen += 1
            self._show_indicator()

    def extend(self, entries: Iterable[LogEntry]) -> None:
        """Add lines (the log so far, when the view is built)."""
        for entry in entries:
            self.append(entry)

    def _to_bottom(self) -> None:
        if self.walker:
            self.listbox.set_focus(len(self.walker) - 1)
            self.listbox.set_focus_valign("bottom")

    def _show_indicator(self) -> None:
        if self.following:
            self._w.footer = None
            return
        news = (
            f"{self.unseen} new message{'s' if self.unseen != 1 else ''} below"
            if self.unseen
            else "scrolled up"
        )
        self.indicator.set_text(("indicator", f"── {news} · PgDn ──"))
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
        self.following = at_bottom or not self.walker
        if self.following:
            self.unseen = 0
            self._to_bottom()
        self._show_indicator()

    def mouse_event(
        self,
        size: tuple[int, int],
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool:
        if event != "mouse press":
            return False
        if button == WHEEL_UP_BUTTON:
            self.scroll(size, "up", repeat=3)
            return True
        if button == WHEEL_DOWN_BUTTON:
            self.scroll(size, "down", repeat=3)
            return True
        return False


class MemberList(urwid.WidgetWrap[urwid.Frame]):
    """The room's members beside the log; the owner is marked with ``@``."""

    def __init__(self) -> None:
        self.walker = urwid.SimpleFocusListWalker([])
        self.title = urwid.Text(("members_title", "Members"))
        super().__init__(urwid.Frame(urwid.ListBox(self.walker), header=self.title))

    def selectable(self) -> bool:
        return False

    def show(self, members: list[str], owner: str | None, own_name: str | None) -> None:
        """Redraw the list (one Text per member, in order of arrival)."""
        self.title.set_text(("members_title", f"Members ({len(members)})"))
        rows = []
        for member in members:
            mark = "@" if member == owner else " "
            attribute = "own_name" if member == own_name else user_attribute(member)
            rows.append(urwid.Text([mark, (attribute, member)], wrap="ellipsis"))
        self.walker[:] = rows


class RoomList(urwid.WidgetWrap[urwid.ListBox]):
    """The lobby's rooms; the selection moves with arrows, Enter joins.

    The selection is drawn by this widget itself, because keyboard focus
    stays on the input line on every page (so typing is never interrupted).
    """

    def __init__(self) -> None:
        self.walker = urwid.SimpleFocusListWalker([])
        self.rooms: list[RoomListing] = []
        self.selected = 0
        super().__init__(urwid.ListBox(self.walker))

    def selectable(self) -> bool:
        return False

    @property
    def selected_room(self) -> str | None:
        """The name of the highlighted room, if there are any rooms."""
        return self.rooms[self.selected].name if self.rooms else None

    def show(self, rooms: Iterable[RoomListing]) -> None:
        """Redraw the list, keeping the same room selected if it still exists."""
        keep = self.selected_room
        self.rooms = sorted(rooms, key=lambda room: room.name.casefold())
        names = [room.name for room in self.rooms]
        self.selected = (
            names.index(keep)
            if keep in names
            else min(self.selected, max(len(names) - 1, 0))
        )
        self._redraw()

    def move(self, step: int) -> None:
        """Select the room ``step`` rows down (negative: up), within the list."""
        if self.rooms:
            self.selected = max(0, min(len(self.rooms) - 1, self.selected + step))
            self._redraw()

    def _redraw(self) -> None:
        if not self.rooms:
            self.walker[:] = [
                urwid.Text(("notice", "  (no rooms yet: type a name to create one)"))
            ]
            return
        rows = []
        for index, room in enumerate(self.rooms):
            chosen = index == self.selected
            marker = "▸" if chosen else " "
            counts = f"{room.members:>4}/{room.capacity:<5}"
            line = f"{marker} {room.name:<20} {counts} {room.topic}"
            rows.append(
                urwid.Text(("selected" if chosen else "room", line), wrap="ellipsis")
            )
        self.walker[:] = rows
        self.walker.set_focus(self.selected)
