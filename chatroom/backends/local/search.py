"""``/search`` on one server: SQLite's FTS5 full-text index of the stored messages.

The index lives beside the ``events`` table it indexes (in the ``--db``
file, or in an in-memory database of its own with ``--db :memory:``:
:mod:`chatroom.backends.local.search_memory`) and is kept in step with it by
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
accents, so ``Cafe`` finds ``café``; a word searched matches the words it
starts, as the core says (``boil`` finds ``boiling``: FTS5's prefix
query, a range of its terms). Only messages and actions are
indexed (``MSG``, ``ACTION``), by their current text: an edit updates the
row, a redaction deletes it, a room key rewritten
(:mod:`chatroom.backends.local.rekey`) follows.

Private conversations (``private_messages``, kept for accounts) have an
index of their own, alike (``private_docs``, ``private_text``, kept by
triggers too), where each message is found by either of the
conversation's two parties (``one``, ``other``: the halves of its key),
and only by them: a search names the searcher's party
(:attr:`~chatroom.core.messages.search.SearchQuery.party`). A room's hits and a
conversation's are merged by time, newest first.

A file written before search existed (or before private conversations
were searched) gets the tables at start-up and the index built from what
it holds (:func:`install`), once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet.defer import Deferred, succeed

from chatroom.core.messages.search import Found, SearchQuery
from chatroom.core.model.text import name_key
from chatroom.wire.lines import format_time
from chatroom.wire.tags import THREAD_TAG

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

PRIVATE_SCHEMA = """
CREATE TABLE private_docs (
    doc INTEGER PRIMARY KEY, conversation TEXT NOT NULL, id INTEGER NOT NULL,
    one TEXT NOT NULL, other TEXT NOT NULL, UNIQUE (conversation, id));
CREATE INDEX private_docs_one ON private_docs (one);
CREATE INDEX private_docs_other ON private_docs (other);
CREATE VIRTUAL TABLE private_text USING fts5(
    text, user, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER private_added AFTER INSERT ON private_messages BEGIN
    INSERT INTO private_docs (conversation, id, one, other) VALUES (
        new.conversation, new.id,
        substr(new.conversation, 1, instr(new.conversation, ' ') - 1),
        substr(new.conversation, instr(new.conversation, ' ') + 1));
    INSERT INTO private_text (rowid, text, user)
        VALUES (last_insert_rowid(), new.text, new.sender);
END;
CREATE TRIGGER private_dropped AFTER DELETE ON private_messages BEGIN
    DELETE FROM private_text WHERE rowid = (SELECT doc FROM private_docs
        WHERE conversation = old.conversation AND id = old.id);
    DELETE FROM private_docs
        WHERE conversation = old.conversation AND id = old.id;
END;
"""

#: The conversations already stored, indexed (see :func:`install`).
PRIVATE_BUILD = """
INSERT INTO private_docs (conversation, id, one, other)
    SELECT conversation, id,
        substr(conversation, 1, instr(conversation, ' ') - 1),
        substr(conversation, instr(conversation, ' ') + 1)
    FROM private_messages ORDER BY stamp, conversation, id;
INSERT INTO private_text (rowid, text, user)
    SELECT doc, text, sender FROM private_docs JOIN private_messages
    USING (conversation, id);
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
    """Give ``db`` (which has the ``events`` and ``private_messages``
    tables) its indexes, unless it has them: the tables, the triggers, and
    everything stored indexed, each index in one transaction (a crash
    halfway leaves no half-built index)."""
    for table, script in (
        ("search_docs", SCHEMA + BUILD),
        ("private_docs", PRIVATE_SCHEMA + PRIVATE_BUILD),
    ):
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        if found:
            continue
        db.execute("BEGIN")
        try:
            for statement in _statements(script):
                db.execute(statement)
        except BaseException:
            db.rollback()
            raise
        db.commit()
    db.execute(RENAMED)
    db.commit()


#: A stored message's author renamed (a deleted account's, anonymised:
#: chatroom.core.policy.userdata): its index entry follows, for ``from:``.
#: Made apart from :data:`SCHEMA`, so files indexed before it get it too.
RENAMED = """
CREATE TRIGGER IF NOT EXISTS search_renamed AFTER UPDATE OF user ON events
    WHEN new.kind IN ('MSG', 'ACTION') BEGIN
    UPDATE search_text SET user = new.user WHERE rowid =
        (SELECT doc FROM search_docs WHERE room = new.room AND id = new.id);
END
"""


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
    db: sqlite3.Connection,
    keys: Sequence[str],
    query: SearchQuery,
    limit: int,
    by_time: bool = False,
) -> list[Found]:
    """Up to ``limit`` messages of rooms ``keys``, and of the private
    conversations ``query`` names (:func:`search_private`), matching
    ``query``, newest first. ``db`` has had :func:`prepare`. ``by_time``:
    see :func:`search_rooms`."""
    found = search_rooms(db, keys, query, limit, by_time)
    if not query.party:
        return found
    private = search_private(db, query, limit)
    if not found:
        return private
    merged = sorted(found + private, key=lambda hit: hit.stamp, reverse=True)
    return merged[:limit]


def search_rooms(
    db: sqlite3.Connection,
    keys: Sequence[str],
    query: SearchQuery,
    limit: int,
    by_time: bool = False,
) -> list[Found]:
    """Up to ``limit`` messages of rooms ``keys`` matching ``query``, newest
    first.

    FTS5 does the narrowing: the words in the ``text`` column and the
    ``from:`` name in the ``user`` column, then ``before:`` and ``after:``
    as bounds on the rowid (the first message stored at or after that
    time, by ``search_docs_at``), so a filter never means reading every
    message with a common word. The exact checks follow (the name by
    ``name_key``, the time by ``at``), so a bound can only be a shortcut.

    Documents are numbered in the order they reached the index, which is
    the order messages were said in a ``--db`` file (indexed as stored).
    The in-memory index brings a room up to date only when it is searched,
    so its numbers do not follow time across rooms: ``by_time`` orders by
    when each was said instead (the index is bounded by retention, so the
    sort is too).
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
    if query.threads:  # the stored tags, as format_tags wrote them
        conditions.append("instr(';' || e.tags, ?) > 0")
        parameters.append(f";{THREAD_TAG}=")
    for when, bound, check in (
        (query.before, "search_text.rowid < ?", "e.at < ?"),
        (query.after, "search_text.rowid >= ?", "e.at >= ?"),
    ):
        if when is not None:
            conditions += [bound, check]
            parameters += [_first_doc_at(db, when), when]
    rows = db.execute(
        "SELECT d.room, e.id, e.user, e.stamp, e.text "
        "FROM search_text JOIN search_docs d ON d.doc = search_text.rowid "
        "JOIN events e ON e.room = d.room AND e.id = d.id "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY {'e.at DESC, ' if by_time else ''}search_text.rowid DESC "
        "LIMIT ?",
        (*parameters, limit),
    ).fetchall()
    return [Found(*row) for row in rows]


def search_private(
    db: sqlite3.Connection, query: SearchQuery, limit: int
) -> list[Found]:
    """Up to ``limit`` messages of ``query.party``'s private conversations
    (only ``query.conversations``, if any) matching ``query``, newest
    first: FTS5 narrows by words and name, the party's rows are kept (by
    ``private_docs``' indexes), times are compared as the stamps they are
    (the wire's UTC form sorts as time does)."""
    party = query.party
    conditions = ["private_text MATCH ?", "(p.one = ? OR p.other = ?)"]
    parameters: list[Any] = [fts_query(query), party, party]
    if query.conversations:
        marks = ", ".join("?" * len(query.conversations))
        conditions.append(f"p.conversation IN ({marks})")
        parameters += query.conversations
    if query.user:
        conditions.append("name_key(m.sender) = ?")
        parameters.append(name_key(query.user))
    if query.before is not None:
        conditions.append("m.stamp < ?")
        parameters.append(format_time(query.before))
    if query.after is not None:
        conditions.append("m.stamp >= ?")
        parameters.append(format_time(query.after))
    rows = db.execute(
        "SELECT m.id, m.sender, m.stamp, m.text, p.conversation, m.recipient "
        "FROM private_text JOIN private_docs p ON p.doc = private_text.rowid "
        "JOIN private_messages m ON m.conversation = p.conversation "
        "AND m.id = p.id "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY private_text.rowid DESC LIMIT ?",
        (*parameters, limit),
    ).fetchall()
    return [Found("", *row) for row in rows]


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
    are only text); FTS5 ANDs them. A word the core says matches the words
    it starts (:attr:`~chatroom.core.messages.search.SearchQuery.starts`) is a
    prefix query (``"boil"*``: its last token a prefix)."""
    words = " ".join(
        _quoted(word) + ("*" if word in query.starts else "") for word in query.words
    )
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
