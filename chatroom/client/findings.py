"""``/search`` results in a buffer of their own, and ``/modlog`` as a table.

The session model reads the answers to two commands (protocol.md,
*Search* and *Moderation log*):

- a ``/search`` opens (or empties) the **search buffer**, listed with the
  rooms as ``search``; each ``FOUND`` is a line there, newest first as the
  server sends them, naming its room, user and date; ``FOUND_END`` says
  how many. A line typed in that buffer searches again.
- the ``MODLOG`` lines of a ``/modlog`` are kept (:class:`Findings`, a
  part of the model) until ``MODLOG_END``, then laid out as a table in
  the room's log (columns as wide as their widest cell), oldest first as
  sent.
"""

from __future__ import annotations

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


def found_summary(count: str) -> str:
    """The line after a search's results: how many, and what to do with them."""
    if count == "0":
        return "nothing found"
    return f"{count} found, newest first · alt ↑↓ select, enter: go to its room"


class Findings:
    """The moderation log's rows, and the pinned messages, until their end comes."""

    def __init__(self) -> None:
        #: ``MODLOG`` rows waiting for their ``MODLOG_END``.
        self.modlog: list[tuple[str, ...]] = []
        #: ``PINNED`` rows (id, user, time, text) waiting for their ``PINS_END``.
        self.pins: list[tuple[str, ...]] = []

    def modlog_row(
        self, stamp: str, by: str, action: str, target: str, why: str
    ) -> None:
        """One ``MODLOG`` line, kept for the table."""
        self.modlog.append((short_time(stamp), by, action, target, why))

    def take_modlog(self) -> list[tuple[str, ...]]:
        """The rows kept, oldest first (the log's end came: forgotten)."""
        rows, self.modlog = self.modlog, []
        return rows
