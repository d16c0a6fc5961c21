"""Reactions and moderation logs in the ``--db`` file: the SQL, for the store.

Reactions are stored events (``REACT``, ``UNREACT`` rows of ``events``,
trimmed with the rest); at start-up they are read back to know who reacted
with what. Each room's moderation log is the ``modlog`` table (made by
:mod:`.dbfile`'s schema), trimmed to the room's newest
:data:`~chatroom.core.modlog.MODLOG_KEEP` entries as each is added, and
dropped with the room. Changes are statements queued for the store's next
flush, like every other change.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from chatroom.backends.local.rows import REACTION_KINDS, Row
from chatroom.core.modlog import MODLOG_KEEP

#: A statement and its parameters, queued for the next flush.
Statement = tuple[str, tuple[Any, ...]]

_KINDS = ", ".join(repr(kind) for kind in sorted(REACTION_KINDS))


def load_reactions(db: sqlite3.Connection) -> list[tuple[str, Row]]:
    """Every stored reaction (room key, row), in order."""
    rows = db.execute(
        "SELECT room, id, kind, user, stamp, text, tags, target FROM events "
        f"WHERE kind IN ({_KINDS}) ORDER BY room, id"
    )
    return [(row[0], row[1:]) for row in rows]


def load_modlog(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every room's log entries (room key, stored line), oldest first."""
    return db.execute("SELECT room, line FROM modlog ORDER BY seq").fetchall()


def add_modlog(key: str, line: str) -> list[Statement]:
    """One entry; the room's entries beyond the newest MODLOG_KEEP go."""
    return [
        ("INSERT INTO modlog (room, line) VALUES (?, ?)", (key, line)),
        (
            "DELETE FROM modlog WHERE room = ? AND seq NOT IN "
            "(SELECT seq FROM modlog WHERE room = ? ORDER BY seq DESC LIMIT ?)",
            (key, key, MODLOG_KEEP),
        ),
    ]


def drop_modlog(key: str) -> Statement:
    """A room's log goes with the room."""
    return ("DELETE FROM modlog WHERE room = ?", (key,))
