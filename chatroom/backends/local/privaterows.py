"""Private conversations in the ``--db`` file: the SQL, for :class:`SqliteStore`.

Two tables (made by :mod:`.dbfile`'s schema): ``private_messages``, each
conversation's messages by id (trimmed to its newest
``conversation_retention`` as each is added), and ``kept_private``, the
messages waiting for an absent account, in the order they were kept (by
rowid), dropped once delivered. Changes are statements queued for the
store's next flush, like every other change.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from chatroom.backends.local.records import LoadedPrivate, PrivateRow

#: A statement and its parameters, queued for the next flush.
Statement = tuple[str, tuple[Any, ...]]


def load(db: sqlite3.Connection) -> LoadedPrivate:
    """Every conversation (oldest first) and every kept message."""
    loaded = LoadedPrivate()
    rows = db.execute(
        "SELECT conversation, id, sender, recipient, stamp, text, tags "
        "FROM private_messages ORDER BY conversation, id"
    )
    for conversation, *row in rows:
        loaded.conversations.setdefault(conversation, []).append(tuple(row))
    loaded.kept = db.execute(
        "SELECT account, conversation, id FROM kept_private ORDER BY rowid"
    ).fetchall()
    return loaded


def add(conversation: str, row: PrivateRow, keep: int) -> list[Statement]:
    """Insert a message; drop what falls out of the newest ``keep``."""
    return [
        (
            "INSERT INTO private_messages (conversation, id, sender, recipient, "
            "stamp, text, tags) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (conversation, *row),
        ),
        (
            "DELETE FROM private_messages WHERE conversation = ? AND id <= ?",
            (conversation, row[0] - keep),
        ),
    ]


def kept(account: str, conversation: str, event_id: int) -> Statement:
    return (
        "INSERT INTO kept_private VALUES (?, ?, ?)",
        (account, conversation, event_id),
    )


def drop_kept(account: str) -> Statement:
    return ("DELETE FROM kept_private WHERE account = ?", (account,))
