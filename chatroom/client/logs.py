"""Every page's log: its lines, which one is on screen, where a line went.

The username page, the lobby, each room and each private conversation
keep a log of their own (one per :func:`~chatroom.client.entries.log_key`),
so the previous room's lines are never above "you joined". :class:`Logs`
holds them, and stamps each line without a time of its own with the time
it was added, so joins, topics and the client's own news have times like
messages. It tells nobody of a change: the session model does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from chatroom.client.entries import EntryKind, LogEntry

#: Lines that carry no time of their own: the history markers, /help.
TIMELESS = frozenset(
    {EntryKind.EARLIER, EntryKind.NEW, EntryKind.HELP, EntryKind.TABLE}
)


class Logs:
    """The logs by key, and the one shown.

    Args:
        shown: the key of the log on screen at first.
        now: the time a line without one of its own is stamped with (the
            reactor's clock; a ``task.Clock`` in tests).
    """

    def __init__(self, shown: str, now: Callable[[], float]) -> None:
        self.now = now
        #: Every log by its key.
        self.by_key: dict[str, list[LogEntry]] = {}
        #: The key of the log on screen.
        self.shown = shown
        #: The key of the log the last line went into (for the log files).
        self.filed_in = shown

    @property
    def shown_lines(self) -> list[LogEntry]:
        """The lines of the log on screen."""
        return self.by_key.setdefault(self.shown, [])

    def lines(self, key: str) -> list[LogEntry]:
        """The lines of log ``key`` (none yet: an empty list, not kept)."""
        return self.by_key.get(key, [])

    def renamed(self, key: str, new_key: str) -> None:
        """Log ``key`` is log ``new_key`` (its room was renamed), shown if
        it was."""
        if key in self.by_key:
            self.by_key[new_key] = self.by_key.pop(key)
        if self.shown == key:
            self.shown = new_key
        if self.filed_in == key:
            self.filed_in = new_key

    def add(self, entry: LogEntry, where: str | None = None) -> tuple[LogEntry, bool]:
        """Put ``entry`` at the end of log ``where`` (None: the one shown),
        stamped with the time now unless it has one or is timeless.

        Returns:
            The entry as added, and whether it went into the log on screen.
        """
        if entry.time is None and entry.kind not in TIMELESS:
            entry = replace(entry, time=self.now())
        if where is None or where == self.shown:
            self.filed_in = self.shown
            self.shown_lines.append(entry)
            return entry, True
        self.filed_in = where
        self.by_key.setdefault(where, []).append(entry)
        return entry, False

    def empty(self, key: str) -> None:
        """Log ``key`` starts again with no lines (a new search's)."""
        self.by_key[key] = []
