"""Bringing a ``--db`` file's name keys up to date, once, at start-up.

Name keys (:func:`chatroom.core.model.text.name_key`) gained the UTS #39
skeleton, so a file written before keeps some rows under keys that are no
longer the names' keys (``m0m`` is now ``mom``; every look-alike of a
name has that name's key). ``name_key(old_key)`` is the new key, so each
stored key is rewritten in place: accounts, rooms with their events and
id counters, server bans. Room policies' masks are brought up to date as
they are read (:meth:`chatroom.core.policy.moderation.RoomPolicy.from_json`).

Two rows that now share a key (two accounts registered as look-alikes
before this check existed) cannot both keep it: the one already under
the key keeps it, the other is left under its old key, where no name
reaches it, and the log says which. On a file that is up to date this is
one read of each table's keys and no write.
"""

from __future__ import annotations

import sqlite3

from twisted.logger import Logger

from chatroom.core.model.text import current_mask, name_key

log = Logger()

#: (table, key column, how rows are ordered oldest first), then the tables
#: whose rows follow a rewritten room key.
_KEYED = (
    ("accounts", "key", "rowid"),
    ("rooms", "key", "created"),
    ("ids", "key", "rowid"),
)


def rekey(db: sqlite3.Connection) -> None:
    """Rewrite every stored key that is not its name's key today."""
    with db:
        for table, column, order in _KEYED:
            rows = db.execute(f"SELECT {column} FROM {table} ORDER BY {order}")
            for (old,) in rows.fetchall():
                new = name_key(old)
                if new != old:
                    _move(db, table, column, old, new)
        for (mask,) in db.execute("SELECT mask FROM server_bans").fetchall():
            if current_mask(mask) != mask:
                _move(db, "server_bans", "mask", mask, current_mask(mask))
                db.execute(
                    "UPDATE OR IGNORE server_ban_terms SET mask = ? WHERE mask = ?",
                    (current_mask(mask), mask),
                )


def _move(db: sqlite3.Connection, table: str, column: str, old: str, new: str) -> None:
    moved = db.execute(
        f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?", (new, old)
    ).rowcount
    if not moved:
        if table != "server_bans":
            log.warn(
                "{table} {old!r} now has the key {new!r} of an older one (a "
                "look-alike name): it is kept under its old key, unreachable",
                table=table,
                old=old,
                new=new,
            )
        return
    if table == "rooms":
        db.execute("UPDATE OR IGNORE events SET room = ? WHERE room = ?", (new, old))
