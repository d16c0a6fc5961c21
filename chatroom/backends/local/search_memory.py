"""``--db :memory:``'s search: the FTS5 index over an in-memory database.

With nothing stored on disk there is still something to search: the
rooms' newest messages (``--retention`` per room). :class:`MemoryIndex`
keeps them in an in-memory SQLite database with the same ``events`` table
and the same index and triggers as the ``--db`` file
(:mod:`chatroom.backends.local.search`), so both modes find the same
messages the same way.

Indexing costs tens of microseconds a message (FTS5's tokenizing and its
B-trees): at thousands of messages a second that is a tenth of a core,
and a thread that competes with the reactor for the interpreter, paid
whether or not anyone ever searches. So the index is brought up to date
only when it is searched, and only for the rooms searched: the reactor
keeps each room's newest ``retention`` rows in a bounded queue (an append
per message; older rows fall off, as retention would take them out of the
index anyway), and a search first applies its rooms' queues on the
index's thread, then searches there. Edits, redactions and deleted rooms
are queued in order beside them. Private conversations (those an account
is part of, as :class:`~chatroom.backends.local.private.StoredConversations`
keeps them) are indexed too, in their own table: their messages wait in
one queue, applied before any search (a search reads every conversation
of its party). Without a thread (``run`` None: unit
tests, and a back-end built without ``--db``), everything happens in
place, at once.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred

from chatroom.backends.local.rows import Row, replacing
from chatroom.backends.local.search import Found, install, prepare, search
from chatroom.core.search import SearchQuery
from chatroom.core.threads import PrivateThreads

#: A statement and its parameters, waiting to be applied.
Change = tuple[str, tuple[Any, ...]]

#: Runs a function on the index's thread, in order, one at a time.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]

EVENTS = (
    "CREATE TABLE events (room TEXT NOT NULL, id INTEGER NOT NULL, "
    "kind TEXT NOT NULL, user TEXT NOT NULL, stamp TEXT NOT NULL, "
    "text TEXT NOT NULL, tags TEXT NOT NULL, target INTEGER NOT NULL, "
    "quoted TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID"
)
ADD = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
TRIM = "DELETE FROM events WHERE room = ? AND id <= ?"
EDIT = "UPDATE events SET text = ? WHERE room = ? AND id = ?"
REDACT = (
    "DELETE FROM events WHERE room = ? AND (id = ? OR (target = ? AND kind = 'EDIT'))"
)
DROP = "DELETE FROM events WHERE room = ?"
MOVE = "UPDATE events SET room = ? WHERE room = ?"
#: Private conversations, as the ``--db`` file keeps them (``dbfile.py``).
PRIVATE = (
    "CREATE TABLE private_messages (conversation TEXT NOT NULL, "
    "id INTEGER NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, "
    "stamp TEXT NOT NULL, text TEXT NOT NULL, "
    "PRIMARY KEY (conversation, id)) WITHOUT ROWID"
)
ADD_PRIVATE = "INSERT INTO private_messages VALUES (?, ?, ?, ?, ?, ?)"
TRIM_PRIVATE = "DELETE FROM private_messages WHERE conversation = ? AND id <= ?"
DROP_PRIVATE = "DELETE FROM private_messages WHERE conversation = ? AND id = ?"


class MemoryIndex:
    """The rooms' newest ``retention`` messages each, searchable.

    Args:
        retention: messages (stored events) kept per room.
        run: runs a function on the index's thread, in order; None: in place.
    """

    def __init__(self, retention: int, run: Runner | None = None) -> None:
        self.retention = retention
        self.run = run
        self.db = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        self.db.execute(EVENTS)
        self.db.execute(PRIVATE)
        install(self.db)
        prepare(self.db)
        #: Rows not yet in the index, per room: the newest ``retention``.
        self._rows: dict[str, deque[tuple[Any, ...]]] = {}
        #: Edits and redactions not yet applied, per room, in order.
        self._changes: dict[str, list[Change]] = {}
        #: Private messages not yet in the index (and their trims), in order.
        self._private: list[Change] = []

    def add(self, key: str, row: Row, at: float) -> None:
        """A message or action (the triggers index it) or an ``EDIT`` or
        ``REDACT`` (kept only so retention counts them as the rooms do)."""
        if self.run is None:
            self.db.execute(ADD, (key, *row, at))
            self.db.execute(TRIM, (key, row[0] - self.retention))
            return
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = deque(maxlen=self.retention)
        rows.append((key, *row, at))

    def add_private(
        self, conversation: str, row: tuple[int, str, str, str, str, str], keep: int
    ) -> None:
        """A message of a private conversation (the triggers index it); the
        conversation keeps its newest ``keep``. Applied with any search:
        a search reads every conversation of its party. ``row`` is a
        :data:`~chatroom.backends.local.records.PrivateRow`: id, sender,
        recipient, time, text and tags, which search does not need."""
        changes: list[Change] = [
            (ADD_PRIVATE, (conversation, *row[:5])),
            (TRIM_PRIVATE, (conversation, row[0] - keep)),
        ]
        if self.run is None:
            for change in changes:
                self.db.execute(*change)
            return
        self._private += changes

    def drop_private(self, conversation: str, event_id: int) -> None:
        """A private message was deleted (the triggers unindex it)."""
        change: Change = (DROP_PRIVATE, (conversation, event_id))
        if self.run is None:
            self.db.execute(*change)
            return
        self._private.append(change)

    def change(self, key: str, target: int, text: str | None) -> None:
        """An edit (the new text) or a redaction (None: the message and its
        edits go)."""
        change: Change = (
            (REDACT, (key, target, target))
            if text is None
            else (EDIT, (text, key, target))
        )
        if self.run is None:
            self.db.execute(*change)
            return
        self._changes.setdefault(key, []).append(change)

    def replace(self, key: str, row: Row | None, was: Row) -> None:
        """The event that lay as ``was`` now lies as ``row``, or is gone
        (None): a deleted account's."""
        change: Change = replacing(key, row, was)
        if self.run is None:
            self.db.execute(*change)
            return
        self._changes.setdefault(key, []).append(change)

    def drop(self, key: str) -> None:
        """A room went, with its messages: what waits for it goes too, and
        the index forgets it when it is next brought up to date."""
        if self.run is None:
            self.db.execute(DROP, (key,))
            return
        self._rows.pop(key, None)
        self._changes[key] = [(DROP, (key,))]

    def rename(self, key: str, new_key: str) -> None:
        """Room ``key`` is room ``new_key``: its messages move (the
        ``search_moved`` trigger moves their index entries), after what
        waits for it, and before anything said under its new name."""
        if self.run is None:
            self.db.execute(MOVE, (new_key, key))
            return
        self._changes.setdefault(key, []).append((MOVE, (new_key, key)))
        self.flush([key])

    def flush(self, keys: Sequence[str] | None = None) -> Deferred[None]:
        """Apply what waits for rooms ``keys`` (every room: None) on the
        index's thread, in one transaction."""
        if self.run is None:
            return defer.succeed(None)
        wanted = (
            list(self._rows.keys() | self._changes.keys()) if keys is None else keys
        )
        batch: list[tuple[list[Change], list[tuple[Any, ...]]]] = [
            (self._changes.pop(key, []), list(self._rows.pop(key, ())))
            for key in wanted
            if key in self._rows or key in self._changes
        ]
        private, self._private = self._private, []
        if private:
            batch.append((private, []))
        if not batch:
            return defer.succeed(None)
        return self.run(lambda: self._apply(batch))

    def _apply(self, batch: list[tuple[list[Change], list[tuple[Any, ...]]]]) -> None:
        """A room's queued changes came before its queued rows only when
        the room was deleted (its rows were dropped then); edits and
        redactions name messages sent before them, so rows go in first."""
        self.db.execute("BEGIN")
        for changes, rows in batch:
            dropped = [change for change in changes if change[0] == DROP]
            for statement, parameters in dropped:
                self.db.execute(statement, parameters)
            if rows:
                self.db.executemany(ADD, rows)
                self.db.execute(TRIM, (rows[-1][0], rows[-1][1] - self.retention))
            for statement, parameters in changes:
                if statement != DROP:
                    self.db.execute(statement, parameters)
        self.db.execute("COMMIT")

    def search(
        self, keys: Sequence[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        """After every change so far to rooms ``keys`` (applied first, on
        the thread)."""
        if self.run is None:
            return defer.succeed(search(self.db, keys, query, limit, by_time=True))
        self.flush(keys)
        return self.run(lambda: search(self.db, keys, query, limit, by_time=True))

    def close(self) -> Deferred[None]:
        """Let go of what waits, the database and the thread."""
        self._rows.clear()
        self._changes.clear()
        self._private.clear()
        run = self.run
        if run is None or (isinstance(run, PrivateThreads) and not run.pool.started):
            self.db.close()  # the thread never ran: nothing can be using it
            return defer.succeed(None)
        closing: Deferred[None] = run(self.db.close)
        if isinstance(run, PrivateThreads):
            closing.addBoth(lambda _: run.stop())
        return closing
