"""``--db :memory:``'s search: the FTS5 index over an in-memory database.

With nothing stored on disk there is still something to search: the
rooms' newest messages (``--retention`` per room). :class:`MemoryIndex`
keeps a copy of them in an in-memory SQLite database with the same
``events`` table and the same index and triggers as the ``--db`` file
(:mod:`chatroom.backends.local.search`), so both modes find the same
messages the same way.

Indexing costs tens of microseconds a message (FTS5's tokenizing and its
B-trees), too much for the reactor at thousands of messages a second. So,
as the file store does, the reactor only queues the change (a list
append), and a thread of the index's own applies the queue every
:data:`FLUSH_INTERVAL` seconds, in one transaction, and runs the searches,
one at a time and in order: a search queued after the changes sees all of
them. Without a thread (``run`` None: unit tests, and a back-end built
without ``--db``), everything happens in place, at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.search import Found, install, prepare, search
from chatroom.core.search import SearchQuery
from chatroom.core.stored import Row
from chatroom.core.threads import PrivateThreads

#: Seconds between applications of the queued changes.
FLUSH_INTERVAL = 1.0

#: Runs a function on the index's thread, in order, one at a time.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]

EVENTS = (
    "CREATE TABLE events (room TEXT NOT NULL, id INTEGER NOT NULL, "
    "kind TEXT NOT NULL, user TEXT NOT NULL, stamp TEXT NOT NULL, "
    "text TEXT NOT NULL, tags TEXT NOT NULL, target INTEGER NOT NULL, "
    "at REAL NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID"
)
ADD = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
TRIM = "DELETE FROM events WHERE room = ? AND id <= ?"
EDIT = "UPDATE events SET text = ? WHERE room = ? AND id = ?"
REDACT = (
    "DELETE FROM events WHERE room = ? AND (id = ? OR (target = ? AND kind = 'EDIT'))"
)
DROP = "DELETE FROM events WHERE room = ?"


class MemoryIndex:
    """The rooms' newest ``retention`` messages each, searchable.

    Args:
        retention: messages (stored events) kept per room.
        clock: drives the flushes (with ``run``).
        run: runs a function on the index's thread, in order; None: in place.
    """

    def __init__(
        self,
        retention: int,
        clock: IReactorTime | None = None,
        run: Runner | None = None,
    ) -> None:
        self.retention = retention
        self.run = run
        self.db = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        self.db.execute(EVENTS)
        install(self.db)
        prepare(self.db)
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self.clock = clock
        #: Started with the first change (not before the reactor runs).
        self._flusher: task.LoopingCall | None = None

    def add(self, key: str, row: Row, at: float) -> None:
        """A message or action (the triggers index it) or an ``EDIT`` or
        ``REDACT`` (kept only so retention counts them as the rooms do)."""
        self._change(ADD, (key, *row, at))
        self._change(TRIM, (key, row[0] - self.retention))

    def change(self, key: str, target: int, text: str | None) -> None:
        """An edit (the new text) or a redaction (None: the message and its
        edits go)."""
        if text is None:
            self._change(REDACT, (key, target, target))
        else:
            self._change(EDIT, (text, key, target))

    def drop(self, key: str) -> None:
        """A room went, with its messages."""
        self._change(DROP, (key,))

    def _change(self, statement: str, parameters: tuple[Any, ...]) -> None:
        if self.run is None:
            self.db.execute(statement, parameters)
            return
        self._pending.append((statement, parameters))
        if self._flusher is None and self.clock is not None:
            self._flusher = task.LoopingCall(self.flush)
            self._flusher.clock = self.clock
            self._flusher.start(FLUSH_INTERVAL, now=False)

    def flush(self) -> Deferred[None]:
        """Apply the queued changes on the index's thread, in one transaction."""
        if not self._pending or self.run is None:
            return defer.succeed(None)
        batch, self._pending = self._pending, []
        return self.run(lambda: self._apply(batch))

    def _apply(self, batch: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.db.execute("BEGIN")
        for statement, parameters in batch:
            self.db.execute(statement, parameters)
        self.db.execute("COMMIT")

    def search(
        self, keys: Sequence[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        """After every change so far (queued behind them on the thread)."""
        if self.run is None:
            return defer.succeed(search(self.db, keys, query, limit))
        self.flush()
        return self.run(lambda: search(self.db, keys, query, limit))

    def close(self) -> Deferred[None]:
        """Stop flushing, let go of the database and the thread."""
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self._pending = []
        run = self.run
        if run is None or (isinstance(run, PrivateThreads) and not run.pool.started):
            self.db.close()  # the thread never ran: nothing can be using it
            return defer.succeed(None)
        closing: Deferred[None] = run(self.db.close)
        if isinstance(run, PrivateThreads):
            closing.addBoth(lambda _: run.stop())
        return closing
