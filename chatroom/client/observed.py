"""What the session model is made of below its events: its logs, and the
listeners and waiters that hear of every change.

:class:`Observed` keeps every page's log (one per :func:`log_key`) and
stamps each line without a time of its own with the time it was added,
so joins, topics and the client's own news have times like messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Self

from twisted.internet.defer import Deferred

from chatroom.client.entries import Change, EntryKind, LogEntry

Listener = Callable[[Change, LogEntry | None], None]

#: Lines that carry no time of their own: the history marker, /help.
_TIMELESS = frozenset({EntryKind.EARLIER, EntryKind.HELP, EntryKind.TABLE})


class Observed:
    """Logs, listeners and waiters.

    Args:
        shown_log: the key of the log on screen at first.
        now: the time a line without one of its own is stamped with (the
            reactor's clock; a ``task.Clock`` in tests).
    """

    def __init__(self, shown_log: str, now: Callable[[], float]) -> None:
        self.now = now
        #: Every page's log by :func:`log_key`; ``log`` is the one shown.
        self.logs: dict[str, list[LogEntry]] = {}
        self.shown_log = shown_log
        #: The log the last line went into (for the log files).
        self.filed_in = shown_log
        self._listeners: list[Listener] = []
        self._waiters: list[tuple[Callable[[Self], bool], Deferred[None]]] = []
        self._held = 0

    # -- observing -------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(change, entry)`` after every change (entry for LOG)."""
        self._listeners.append(listener)

    def when(self, predicate: Callable[[Self], bool]) -> Deferred[None]:
        """A Deferred that fires once ``predicate(model)`` holds.

        Tests wait on this instead of sleeping; it is checked after every
        change, and at once.
        """
        waiter: Deferred[None] = Deferred()
        if predicate(self):
            waiter.callback(None)
        else:
            self._waiters.append((predicate, waiter))
        return waiter

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold waiters until the block ends, so they see a whole update.

        Listeners (the screen) still hear each change at once; a waiter
        resumes code that might act, so it must not run mid-event.
        """
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self._check_waiters()

    def _changed(self, change: Change, entry: LogEntry | None = None) -> None:
        for listener in list(self._listeners):
            listener(change, entry)
        if not self._held:
            self._check_waiters()

    def _check_waiters(self: Self) -> None:
        pending, self._waiters = self._waiters, []
        for predicate, waiter in pending:
            if predicate(self):
                waiter.callback(None)
            else:
                self._waiters.append((predicate, waiter))

    @property
    def log(self) -> list[LogEntry]:
        """The lines of the log on screen now."""
        return self.logs.setdefault(self.shown_log, [])

    def _add(self, entry: LogEntry, where: str | None = None) -> None:
        if entry.time is None and entry.kind not in _TIMELESS:
            entry = replace(entry, time=self.now())
        if where is None or where == self.shown_log:
            self.filed_in = self.shown_log
            self.log.append(entry)
            self._changed(Change.LOG, entry)
        else:
            self.filed_in = where
            self.logs.setdefault(where, []).append(entry)
            self._changed(Change.LOG_ELSEWHERE, entry)

    def note(
        self, text: str, kind: EntryKind = EntryKind.NOTICE, where: str | None = None
    ) -> None:
        """A line from the client itself (connection news, key help).

        ``where`` (a :func:`log_key`) puts it in another page's log: news
        about rejoining a room belongs with that room's lines.
        """
        self._add(LogEntry(kind, text), where)
