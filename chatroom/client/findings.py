"""``/search`` results in a buffer of their own, and ``/modlog`` as a table.

:class:`Findings` is the part of :class:`chatroom.client.model.SessionModel`
that reads the answers to two commands (protocol.md, *Search* and
*Moderation log*):

- a ``/search`` opens (or empties) the **search buffer**, listed with the
  rooms as ``search``; each ``FOUND`` is a line there, newest first as the
  server sends them, naming its room, user and date; ``FOUND_END`` says
  how many. A line typed in that buffer searches again.
- the ``MODLOG`` lines of a ``/modlog`` are kept until ``MODLOG_END`` and
  then laid out as a table in the room's log (columns as wide as their
  widest cell), oldest first as sent.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.buffers import Buffer
from chatroom.client.entries import Change, EntryKind, LogEntry, Page, log_key
from chatroom.client.typists import Typists
from chatroom.wire.lines import ParsedLine

#: The search buffer's log key (no room or user is keyed so).
SEARCH_KEY = "search"

#: The table's column titles, over a ``MODLOG`` line's fields.
MODLOG_TITLES = ("when (UTC)", "by", "action", "target", "reason")


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells, each column padded to its widest cell."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def short_time(stamp: str) -> str:
    """``2026-11-22T10:20:00.000Z`` → ``2026-11-22 10:20`` (UTC, as sent)."""
    return stamp[:16].replace("T", " ") if "T" in stamp else stamp


class Findings(Typists):
    """The search buffer and the moderation log's table."""

    def __init__(self, shown_log: str, now: Callable[[], float]) -> None:
        super().__init__(shown_log, now)
        #: ``MODLOG`` rows waiting for their ``MODLOG_END``.
        self._modlog: list[tuple[str, ...]] = []

    # -- search ------------------------------------------------------------------

    def start_search(self, words: str) -> None:
        """A ``/search`` is on its way: its buffer, emptied, comes on screen."""
        buffer = self.buffers.get(SEARCH_KEY)
        if buffer is None:
            buffer = Buffer(SEARCH_KEY, "search", search=True)
            self.buffers[SEARCH_KEY] = buffer
        buffer.topic = f"search: {words}"
        self.logs[SEARCH_KEY] = []
        if self.focused == SEARCH_KEY:
            self._changed(Change.LOG_SWITCH)
        self.focus(SEARCH_KEY)
        self._add(LogEntry(EntryKind.NOTICE, f"searching for {words}…"), SEARCH_KEY)

    def _on_FOUND(self, event: ParsedLine) -> None:
        if SEARCH_KEY not in self.buffers:
            return
        user = self._field(event, 2)
        number = self._field(event, 1)
        entry = LogEntry(
            EntryKind.FOUND,
            event.text,
            user=user,
            time=self._time(self._field(event, 3)),
            target=self._field(event, 0),
            id=int(number) if number.isdigit() else None,
        )
        self._add(entry, SEARCH_KEY)

    def _on_FOUND_END(self, event: ParsedLine) -> None:
        count = self._field(event, 0)
        text = (
            "nothing found"
            if count == "0"
            else f"{count} found, newest first · alt ↑↓ select, enter: go to its room"
        )
        self._add(LogEntry(EntryKind.NOTICE, text), SEARCH_KEY)

    def found_room(self, entry: LogEntry) -> Buffer | None:
        """The buffer of the room a search result is in, if the user is."""
        return self.room_buffer(entry.target) if entry.target else None

    # -- the moderation log --------------------------------------------------------

    def _on_MODLOG(self, event: ParsedLine) -> None:
        stamp, by, action, target = (self._field(event, i) for i in range(1, 5))
        self._modlog.append((short_time(stamp), by, action, target, event.text))

    def _on_MODLOG_END(self, event: ParsedLine) -> None:
        rows, self._modlog = self._modlog, []
        room = self._field(event, 0)
        where = log_key(Page.ROOM, room) if self.room_buffer(room) else None
        if not rows:
            self._add(LogEntry(EntryKind.NOTICE, f"{room}: no moderation yet"), where)
            return
        heading = f"moderation log of {room}, oldest first ({len(rows)}):"
        self._add(LogEntry(EntryKind.NOTICE, heading), where)
        for line in table([MODLOG_TITLES, *rows]):
            self._add(LogEntry(EntryKind.TABLE, line), where)
