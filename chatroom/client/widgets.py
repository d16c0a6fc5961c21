"""The urwid widgets the pages are built from, and how a log line looks.

Each one draws part of the model and nothing else; none of them talks to
the network. The scrolling log is :mod:`.logview`'s.

The buffer list above the status bar names every room and conversation,
numbered for Alt-1..9, with its unread count and a mention mark:
``1:#tea  2:#cafe(3)  3:#help(1!)  4:carol(2)``: the buffer on screen is
highlighted, ``(3)`` counts the messages not seen yet, and ``!`` (drawn
as a mention) says that at least one of them names the user. It is one
line at every width: on a narrow terminal it is cut at the right edge
(Alt-Left/Right still reach every buffer).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import urwid

from chatroom.client.accounts import secret_start
from chatroom.client.buffers import Buffer
from chatroom.client.entries import EntryKind, LogEntry, RoomListing, spelled
from chatroom.client.formatting import Markup, formatted
from chatroom.client.logs import TIMELESS
from chatroom.client.rich import summary
from chatroom.client.threads import LEVEL_MARKS
from chatroom.wire.markdown import has_marks

#: Palette entries that give each user a stable colour of their own.
USER_ATTRIBUTES = tuple(f"user{index}" for index in range(8))

#: What urwid passes as a widget's size: () fixed, (columns,) flow,
#: (columns, rows) box. The log and the room body are always boxes.
Size = tuple[()] | tuple[int] | tuple[int, int]


def box_size(size: Size) -> tuple[int, int]:
    """The (columns, rows) of a box widget's size."""
    if len(size) != 2:
        raise ValueError(f"a box widget needs (columns, rows), not {size!r}")
    return size


def user_attribute(name: str) -> str:
    """The same palette entry for a name every time, on every client.

    crc32 rather than ``hash()``: Python salts string hashes per process.
    """
    return USER_ATTRIBUTES[zlib.crc32(name.casefold().encode()) % len(USER_ATTRIBUTES)]


#: How times are shown unless the settings say otherwise (``%H:%M:%S`` adds
#: seconds).
DEFAULT_TIME_FORMAT = "%H:%M"


def local_clock(moment: float | None, time_format: str = DEFAULT_TIME_FORMAT) -> str:
    """The time in the user's local zone (the server sends UTC); blank for None."""
    if moment is None:
        return " " * clock_width(time_format)
    return time.strftime(time_format, time.localtime(moment))


def clock_width(time_format: str) -> int:
    """How many columns the times take (a fixed column, so wrapped lines align)."""
    return len(time.strftime(time_format, time.localtime(0)))


def local_day(moment: float | None) -> str:
    """A search result's date, in local time (``Sun 22 Nov``)."""
    return "" if moment is None else time.strftime("%a %d %b", time.localtime(moment))


def day_line(moment: float) -> str:
    """The line that marks a new day in the log, in local time."""
    return time.strftime("──── %A %d %B %Y ────", time.localtime(moment))


def entry_widget(
    entry: LogEntry, time_format: str = DEFAULT_TIME_FORMAT
) -> urwid.Widget:
    """One log line: the time in its own column, so wrapped text stays
    indented under the text instead of running back under the time."""
    if entry.kind in TIMELESS:
        return urwid.Text(entry_markup(entry))
    stamp = local_clock(entry.time, time_format)
    return urwid.Columns(
        [
            (
                len(stamp),
                urwid.Text(("earlier" if entry.earlier else "timestamp", stamp)),
            ),
            urwid.Text(entry_markup(entry)),
        ],
        dividechars=1,
    )


def entry_markup(entry: LogEntry) -> Markup:
    """How one log line looks: its kind, its user's colour, a mention's
    highlight; a paste's lines as a block under it, the file it shares and
    its link's preview (dim), and its reactions under those.

    The time is not part of it (see :func:`entry_widget`).
    """
    markup = line_markup(entry)
    if entry.lines and not entry.deleted:
        attribute = "mention" if entry.mentions_me else "message"
        for line in formatted("\n".join(entry.lines), attribute):
            markup += [(attribute, "\n│ "), *line]
    if entry.attachment and not entry.deleted:
        markup += [("earlier", f"\n  ↳ file: {entry.attachment}")]
    if entry.preview and not entry.deleted:
        markup += [("earlier", f"\n  ↳ {entry.preview}")]
    if entry.replies and not entry.deleted:
        markup += [("earlier", f"\n  ↳ {spelled(entry.replies)}")]
    if entry.reactions and not entry.deleted:
        markup += [("reactions", f"\n{summary(entry)}")]
    return markup


def words_markup(text: str, attribute: str) -> Markup:
    """A message's words: its Markdown formatted on a line of ``attribute``
    (:mod:`chatroom.client.formatting`), its later lines (a quote's, a
    list's) under the first."""
    if not has_marks(text):
        return [(attribute, text)]
    lines = formatted(text, attribute)
    markup: Markup = list(lines[0])
    for line in lines[1:]:
        markup += ["\n", *line]
    return markup


def line_markup(entry: LogEntry) -> Markup:
    """How one log line looks, without a paste's block or its reactions."""
    stamp: Markup = []
    name: Markup = [(user_attribute(entry.user), entry.user)]
    if entry.shown_as:  # the display name, then the name no one else holds
        name = [
            (user_attribute(entry.user), entry.shown_as),
            ("earlier", f" ({entry.user})"),
        ]
    text_attribute = (
        "mention" if entry.mentions_me else ("earlier" if entry.earlier else "message")
    )
    kind = entry.kind
    if entry.deleted:
        author = f"{entry.shown_as} ({entry.user})" if entry.shown_as else entry.user
        return [("earlier", f"<{author}> message {spelled(entry.deleted)}")]
    if entry.answers:
        stamp = [("earlier", f"↪ {spelled(entry.answers)} · ")]
    edited: Markup = [("earlier", " (edited)")] if entry.edited else []
    if entry.pending:  # not acknowledged yet (see .unacknowledged)
        edited = [("earlier", f" ({entry.pending})")]
    said = f"({len(entry.lines)} lines)" if entry.lines else entry.text
    own_words = spelled(entry.words) if entry.words else entry.text
    if kind == EntryKind.MESSAGE:
        words = (
            [(text_attribute, said)]
            if entry.lines
            else words_markup(said, text_attribute)
        )
        return [*stamp, "<", *name, "> ", *words, *edited]
    if kind == EntryKind.FOUND:
        private = entry.target.startswith("@")  # FOUND @USER: a conversation
        place = f"[private] {entry.target[1:]}" if private else f"#{entry.target}"
        where = f"{place} {local_day(entry.time)} "
        return [("earlier", where), "<", *name, "> ", ("message", entry.text)]
    if kind == EntryKind.TABLE:
        return [("help", f"  {own_words}")]
    if kind == EntryKind.REPORT:
        return [*stamp, ("alert", own_words)]
    if kind == EntryKind.ACTION:
        attribute = "action" if text_attribute == "message" else text_attribute
        return [*stamp, ("action", "* "), *name, (attribute, f" {entry.text}"), *edited]
    if kind == EntryKind.TO_OPERATORS:
        return [
            *stamp,
            ("private", "[to operators] "),
            "<",
            *name,
            "> ",
            *words_markup(entry.text, "mention" if entry.mentions_me else "private"),
        ]
    if kind == EntryKind.EPHEMERAL:
        return [
            *stamp,
            ("private", "[only you] "),
            "<",
            *name,
            "> ",
            *words_markup(entry.text, "private"),
        ]
    if kind == EntryKind.PRIVATE:
        sender = f"{entry.shown_as} ({entry.user})" if entry.shown_as else entry.user
        return [
            *stamp,
            ("private", f"[private] {sender} → {entry.target}: "),
            *words_markup(entry.text, "mention" if entry.mentions_me else "private"),
            *edited,
        ]
    if kind == EntryKind.JOIN:
        return [*stamp, ("join", "→ "), *name, ("join", " joined")]
    if kind == EntryKind.PART:
        return [*stamp, ("part", "← "), *name, ("part", f" left ({entry.text})")]
    if kind == EntryKind.NICK:
        return [
            *stamp,
            ("notice", "• "),
            *name,
            ("notice", f" is now known as {entry.text}"),
        ]
    if kind == EntryKind.TOPIC:
        return [
            *stamp,
            ("notice", "• topic: "),
            ("topic", entry.text),
            ("notice", f" (set by {entry.shown_as or entry.user})"),
        ]
    if kind == EntryKind.ERROR:
        return [*stamp, ("error", f"! {entry.text}")]
    if kind == EntryKind.MODERATION:
        return [*stamp, ("moderation", f"-- {own_words}")]
    if kind == EntryKind.ALERT:
        return [*stamp, ("alert", f"*** {own_words}")]
    if kind == EntryKind.EARLIER:
        return [("earlier", "──── earlier messages ────")]
    if kind == EntryKind.NEW:
        return [("indicator", "──── new messages ────")]
    if kind == EntryKind.HELP:
        return [("help", f"  {entry.text}")]
    return [*stamp, ("notice", f"• {own_words}")]


#: The lines the "new messages below" indicator counts (with alerts, which
#: are about the user, among the mentions).
SAID = frozenset(
    {
        EntryKind.MESSAGE,
        EntryKind.ACTION,
        EntryKind.PRIVATE,
        EntryKind.TO_OPERATORS,
        EntryKind.EPHEMERAL,
        EntryKind.ALERT,
    }
)


def plain_text(entry: LogEntry) -> str:
    """A log line without its styles or time (for log files)."""
    return "".join(
        part if isinstance(part, str) else part[1] for part in entry_markup(entry)
    )


class SecretEdit(urwid.Edit):
    """The input line, which never shows a password.

    With a mask (the password prompt) everything typed is hidden, as by
    urwid's own ``mask``. Without one, the passwords of the commands that
    carry them (``/register PASSWORD``, see :mod:`.accounts`) are drawn as
    ``*`` while they are typed, one per character, so the cursor stays in
    step with the text; someone looking over the user's shoulder (or a
    screen recording) sees no more than the prompt would show.
    """

    @property
    def hides_all(self) -> bool:
        """Whether everything typed is masked (the password prompt)."""
        return self._mask is not None

    def get_text(self) -> tuple[str | bytes, list[tuple[Hashable, int]]]:
        text, caption = self.edit_text, self.caption
        start = None if self.hides_all else secret_start(str(text))
        if start is None or not isinstance(caption, str):
            return super().get_text()
        hidden = "".join(" " if character == " " else "*" for character in text[start:])
        return caption + text[:start] + hidden, self._attrib


class MemberList(urwid.WidgetWrap[urwid.Frame]):
    """The room's members beside the log; the owner is marked with ``@``;
    one with a display name is listed by it, their name after it
    (``Alice Liddell (alice)``), as beside their messages."""

    def __init__(self) -> None:
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self.title = urwid.Text(("members_title", "Members"))
        super().__init__(urwid.Frame(urwid.ListBox(self.walker), header=self.title))

    def selectable(self) -> bool:
        return False

    def show(
        self,
        members: list[str],
        owner: str | None,
        own_name: str | None,
        total: int | None = None,
        display_name: Callable[[str], str] = lambda member: "",
    ) -> None:
        """Redraw the list (one Text per member, in order of arrival); in a
        big room, ``total`` members of which only those listed are shown;
        ``display_name``: a member's ("" for none)."""
        count = f"{len(members)} of {total}" if total is not None else len(members)
        # None at all: the search results, which have no members.
        title = f"Members ({count})" if members else ""
        self.title.set_text(("members_title", title))
        rows = []
        for member in members:
            mark = "@" if member == owner else " "
            attribute = "own_name" if member == own_name else user_attribute(member)
            shown = display_name(member)
            name: Markup = [(attribute, member)]
            if shown:
                name = [(attribute, shown), ("earlier", f" ({member})")]
            rows.append(urwid.Text([mark, *name], wrap="ellipsis"))
        self.walker[:] = rows


class RoomList(urwid.WidgetWrap[urwid.ListBox]):
    """The lobby's rooms; the selection moves with arrows, Enter joins.

    The selection is drawn by this widget itself, because keyboard focus
    stays on the input line on every page (so typing is never interrupted).
    """

    def __init__(self) -> None:
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self.rooms: list[RoomListing] = []
        self.selected = 0
        self.live = True
        self.more = 0
        super().__init__(urwid.ListBox(self.walker))

    def selectable(self) -> bool:
        return False

    @property
    def selected_room(self) -> str | None:
        """The name of the highlighted room, if there are any rooms."""
        return self.rooms[self.selected].name if self.rooms else None

    def show(
        self, rooms: Iterable[RoomListing], live: bool = True, more: int = 0
    ) -> None:
        """Redraw the list, keeping the same room selected if it still exists.

        ``live`` is False when the server no longer pushes changes
        (``/watch off``): the list says it may be out of date. ``more``:
        rooms the server left out of it (the lobby's shows the fullest
        few), which the list says ``/list`` shows.
        """
        self.live = live
        self.more = more
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
        if self.more:
            rows.append(urwid.Text(("notice", f"  … {self.more} more: /list")))
        if not self.live:
            rows.append(
                urwid.Text(("notice", "  (not kept up to date: /watch on or /list)"))
            )
        self.walker[:] = rows
        self.walker.set_focus(self.selected)


def member_column_width(columns: int) -> int:
    """How wide the member list is on a terminal this wide (0: hidden).

    Narrow terminals give the log the room: at 40 columns it is all log.
    """
    if columns < 56:
        return 0
    if columns < 72:
        return 12
    return 18


class RoomBody(urwid.WidgetWrap[urwid.Columns]):
    """The log beside the member list, which shrinks or hides when narrow."""

    def __init__(self, log_view: urwid.Widget, member_list: MemberList) -> None:
        self.log_view = log_view
        self.member_list = member_list
        self._width = -1
        super().__init__(urwid.Columns([log_view]))

    def selectable(self) -> bool:
        return False

    def render(self, size: Size, focus: bool = False) -> urwid.Canvas:
        width = member_column_width(box_size(size)[0])
        if width != self._width:
            self._width = width
            divider = urwid.AttrMap(urwid.SolidFill("│"), "divider")
            columns: list[urwid.Widget | tuple[int, urwid.Widget]] = [self.log_view]
            if width:
                columns += [(1, divider), (width, self.member_list)]
            self._w = urwid.Columns(columns)
        return super().render(size, focus)


def buffer_markup(buffers: list[Buffer], focused: str | None) -> Markup:
    """The list as urwid markup, one ``N:name(count)`` per buffer."""
    markup: Markup = []
    for number, buffer in enumerate(buffers, start=1):
        if markup:
            markup.append("  ")
        shown = buffer.key == focused
        attribute = "buffer_shown" if shown else "buffers"
        if buffer.unread and not shown:
            attribute = "buffer_news"
        markup.append((attribute, f"{number}:{buffer.label}"))
        if buffer.level in LEVEL_MARKS:
            markup.append(("buffers", LEVEL_MARKS[buffer.level]))
        if buffer.mentions:
            markup.append(("buffer_mention", f"({buffer.unread}!)"))
        elif buffer.unread:
            markup.append((attribute, f"({buffer.unread})"))
    return markup


class BufferBar(urwid.Text):
    """One line listing the buffers (empty when there are none)."""

    def __init__(self) -> None:
        super().__init__("", wrap="clip")

    def show(self, buffers: list[Buffer], focused: str | None) -> None:
        """Redraw the list."""
        markup = buffer_markup(buffers, focused)
        self.set_text([" ", *markup] if markup else "")
