"""``/search`` on one server: SQLite's FTS5 full-text index of the stored messages.

The index lives beside the ``events`` table it indexes (in the ``--db``
file, or in an in-memory database of its own with ``--db :memory:``:
:mod:`chatroom.backends.local.memsearch`) and is kept in step with it by
triggers, so every way a message changes (a new message, an edit, a
redaction, a retention trim, a deleted room) changes the index in the same
transaction, with no code path that could forget it.

Two tables: ``search_docs`` numbers the indexed messages in the order they
were stored (its ``doc`` is the full-text table's rowid, so "newest first"
is FTS5's own rowid order, read backwards and stopped after the limit:
no sort of every match), and maps a document to its event; ``search_text``
is the FTS5 table (a message's text and its sender's name), tokenized
by ``unicode61 remove_diacritics 2``: words are split at anything that
is not a letter or a digit, folded to lower case and stripped of their
accents, so ``Cafe`` finds ``café``. Only messages and actions are
indexed (``MSG``, ``ACTION``), by their current text: an edit updates the
row, a redaction deletes it, a room key rewritten
(:mod:`chatroom.backends.local.rekey`) follows.

A file written before search existed gets the tables at start-up and the
index built from the events it holds (:func:`install`), once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet.defer import Deferred, succeed

from chatroom.core.search import SearchQuery
from chatroom.core.stored import Row
from chatroom.core.text import name_key

#: What one search finds: the room's key and the message's stored row.
Found = tuple[str, Row]

SCHEMA = """
CREATE TABLE search_docs (
    doc INTEGER PRIMARY KEY, room TEXT NOT NULL, id INTEGER NOT NULL,
    at REAL NOT NULL, UNIQUE (room, id));
CREATE INDEX search_docs_at ON search_docs (at);
CREATE VIRTUAL TABLE search_text USING fts5(
    text, user, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER search_added AFTER INSERT ON events
    WHEN new.kind IN ('MSG', 'ACTION') BEGIN
    INSERT INTO search_docs (room, id, at) VALUES (new.room, new.id, new.at);
    INSERT INTO search_text (rowid, text, user)
        VALUES (last_insert_rowid(), new.text, new.user);
END;
CREATE TRIGGER search_edited AFTER UPDATE OF text ON events
    WHEN new.kind IN ('MSG', 'ACTION') BEGIN
    UPDATE search_text SET text = new.text WHERE rowid =
        (SELECT doc FROM search_docs WHERE room = new.room AND id = new.id);
END;
CREATE TRIGGER search_moved AFTER UPDATE OF room ON events
    WHEN new.kind IN ('MSG', 'ACTION') BEGIN
    UPDATE search_docs SET room = new.room WHERE room = old.room AND id = old.id;
END;
CREATE TRIGGER search_dropped AFTER DELETE ON events
    WHEN old.kind IN ('MSG', 'ACTION') BEGIN
    DELETE FROM search_text WHERE rowid =
        (SELECT doc FROM search_docs WHERE room = old.room AND id = old.id);
    DELETE FROM search_docs WHERE room = old.room AND id = old.id;
END;
"""

#: The messages already stored, indexed oldest first (see :func:`install`).
BUILD = """
INSERT INTO search_docs (room, id, at)
    SELECT room, id, at FROM events WHERE kind IN ('MSG', 'ACTION')
    ORDER BY at, room, id;
INSERT INTO search_text (rowid, text, user)
    SELECT doc, text, user FROM search_docs JOIN events USING (room, id);
"""


def install(db: sqlite3.Connection) -> None:
    """Give ``db`` (which has the ``events`` table) its index, unless it has
    one: the tables, the triggers, and every stored message indexed, in one
    transaction (a crash halfway leaves no half-built index)."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'search_docs'"
    ).fetchone()
    if found:
        return
    db.execute("BEGIN")
    try:
        for statement in _statements(SCHEMA + BUILD):
            db.execute(statement)
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _statements(script: str) -> list[str]:
    """``script``'s statements, each whole (a trigger's body included)."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    return statements


def prepare(db: sqlite3.Connection) -> None:
    """What a connection that searches needs: ``name_key`` for ``from:``."""
    db.create_function("name_key", 1, name_key, deterministic=True)


def search(
    db: sqlite3.Connection, keys: Sequence[str], query: SearchQuery, limit: int
) -> list[Found]:
    """Up to ``limit`` messages of rooms ``keys`` matching ``query``, newest
    first. ``db`` has had :func:`prepare`.

    FTS5 does the narrowing: the words in the ``text`` column and the
    ``from:`` name in the ``user`` column, then ``before:`` and ``after:``
    as bounds on the rowid (the first message stored at or after that
    time, by ``search_docs_at``), so a filter never means reading every
    message with a common word. The exact checks follow (the name by
    ``name_key``, the time by ``at``), so a bound can only be a shortcut.
    """
    if not keys:
        return []
    conditions = [
        "search_text MATCH ?",
        f"d.room IN ({', '.join('?' * len(keys))})",
    ]
    parameters: list[Any] = [fts_query(query), *keys]
    if query.user:
        conditions.append("name_key(e.user) = ?")
        parameters.append(name_key(query.user))
    for when, bound, check in (
        (query.before, "search_text.rowid < ?", "e.at < ?"),
        (query.after, "search_text.rowid >= ?", "e.at >= ?"),
    ):
        if when is not None:
            conditions += [bound, check]
            parameters += [_first_doc_at(db, when), when]
    rows = db.execute(
        "SELECT d.room, e.id, e.kind, e.user, e.stamp, e.text, e.tags, e.target "
        "FROM search_text JOIN search_docs d ON d.doc = search_text.rowid "
        "JOIN events e ON e.room = d.room AND e.id = d.id "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY search_text.rowid DESC LIMIT ?",
        (*parameters, limit),
    ).fetchall()
    return [(room, tuple(rest)) for room, *rest in rows]


def _first_doc_at(db: sqlite3.Connection, when: float) -> int:
    """The first message stored at or after ``when`` (documents are
    numbered in the order messages were stored, which is their time order
    unless the server's clock went back)."""
    row = db.execute(
        "SELECT doc FROM search_docs WHERE at >= ? ORDER BY at LIMIT 1", (when,)
    ).fetchone()
    if row is not None:
        return int(row[0])
    (last,) = db.execute("SELECT COALESCE(MAX(doc), 0) FROM search_docs").fetchone()
    return int(last) + 1


def fts_query(query: SearchQuery) -> str:
    """FTS5's query: every one of the words in the ``text`` column (and the
    ``from:`` name in the ``user`` column). Each word is a quoted string, so
    nothing a user types is FTS5 syntax (``OR``, ``*``, ``NEAR`` and quotes
    are only text); FTS5 ANDs them."""
    words = " ".join(_quoted(word) for word in query.words)
    if not any(character.isalnum() for character in query.user):
        return f"text : ({words})"  # no name, or one FTS5 sees no word in
    return f"text : ({words}) AND user : {_quoted(query.user)}"


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class FileSearcher:
    """The ``--db`` file's searches, on a thread of their own with a
    connection of their own.

    Not on the store's writer thread: a search of a big room takes
    milliseconds to tens of milliseconds (``docs/performance.md``), and
    commits must not queue behind it; and not on the reactor, which must
    never wait on the disk. In WAL mode a reader never blocks the writer
    nor waits for it, and sees every transaction committed before it
    began (the store flushes before it searches).

    Args:
        path: the database file (the store has made its index).
        run: runs a function on the search thread (tests run it in place).
    """

    def __init__(self, path: str, run: Callable[[Callable[[], Any]], Deferred[Any]]):
        self.path = path
        self.run = run
        self._db: sqlite3.Connection | None = None
        #: Whether a search was ever asked for (else close has nothing to do).
        self._used = False

    def search(
        self, keys: Sequence[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        self._used = True
        return self.run(lambda: search(self._connection(), keys, query, limit))

    def _connection(self) -> sqlite3.Connection:
        """Opened on first use, on the search thread."""
        if self._db is None:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            prepare(self._db)
        return self._db

    def close(self) -> Deferred[None]:
        """Close the connection on its thread, after the searches queued."""
        if not self._used:
            return succeed(None)  # no thread started just to close nothing
        return self.run(self._close)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
