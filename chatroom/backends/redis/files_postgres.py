"""A cluster's uploaded files' bytes, in PostgreSQL (``--files-db``).

Every node takes uploads and serves files; the bytes one node took in must
be readable by all. The cluster already runs PostgreSQL (for search), so
they are kept there, in one table of chunks:

    chatroom_file_chunks (id text, n integer, data bytea, PRIMARY KEY (id, n))

A file is written in one transaction (its chunks, in order, after any left
by an earlier attempt are deleted), so a file is either whole or absent;
it is read chunk by chunk into the node's cache directory, so a file of
``--max-upload`` bytes never sits in memory whole. Chunks of
:data:`CHUNK_BYTES` keep each row well below PostgreSQL's TOAST limits and
each round trip short. Why PostgreSQL rather than an object store, and
what it costs, is in docs/scaling.md (*Files*).

The driver (psycopg 3) blocks: every call runs on this node's own
``chatroom-files`` thread, on one connection
(:class:`~chatroom.backends.redis.postgres_link.PostgresLink`, opened again
after a failure); each statement is bounded by ``statement_timeout``, so a
stuck database answers ``503`` to the upload or the download that waits on
it and holds no room up.
"""

from __future__ import annotations

from typing import Any

import psycopg
from twisted.internet.defer import Deferred, succeed

from chatroom.backends.redis.postgres_link import PostgresLink
from chatroom.core.infra.thread_pool import PrivateThreads

#: The bytes of one row.
CHUNK_BYTES = 1 << 20

#: Seconds any statement (or the connection) may take.
DATABASE_TIMEOUT = 10.0

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS chatroom_file_chunks (
    id text NOT NULL,
    n integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (id, n)
)"""
]


def put(db: psycopg.Connection[Any], file_id: str, path: str) -> None:
    """The file at ``path`` becomes ``file_id``'s bytes, whole, in one transaction."""
    with db.transaction(), open(path, "rb") as file:
        db.execute("DELETE FROM chatroom_file_chunks WHERE id = %s", (file_id,))
        number = 0
        while chunk := file.read(CHUNK_BYTES):
            db.execute(
                "INSERT INTO chatroom_file_chunks (id, n, data) VALUES (%s, %s, %s)",
                (file_id, number, chunk),
            )
            number += 1
        if number == 0:  # an empty file is one empty chunk: kept, not absent
            db.execute(
                "INSERT INTO chatroom_file_chunks (id, n, data) VALUES (%s, 0, '')",
                (file_id,),
            )


def fetch(db: psycopg.Connection[Any], file_id: str, path: str) -> bool:
    """Write ``file_id``'s bytes to ``path``, a chunk at a time; False: none kept."""
    found = False
    with db.transaction(), open(path, "wb") as file:  # one snapshot of the chunks
        number = 0
        while True:
            row = db.execute(
                "SELECT data FROM chatroom_file_chunks WHERE id = %s AND n = %s",
                (file_id, number),
            ).fetchone()
            if row is None:
                return found
            file.write(row[0])
            found = True
            number += 1


def delete(db: psycopg.Connection[Any], file_id: str) -> None:
    db.execute("DELETE FROM chatroom_file_chunks WHERE id = %s", (file_id,))


class PostgresFileBytes:
    """:class:`~chatroom.core.accounts.files.SharedBytes` in PostgreSQL, for one
    node."""

    def __init__(self, conninfo: str, reactor: Any) -> None:
        self.conninfo = conninfo
        self.run = PrivateThreads(reactor, "chatroom-files", 1)
        self.link = PostgresLink(conninfo, DATABASE_TIMEOUT, SCHEMA)

    def put(self, file_id: str, path: str) -> Deferred[None]:
        return self.run(lambda: put(self.link.connection(), file_id, path))

    def fetch(self, file_id: str, path: str) -> Deferred[bool]:
        return self.run(lambda: fetch(self.link.connection(), file_id, path))

    def delete(self, file_id: str) -> Deferred[None]:
        return self.run(lambda: delete(self.link.connection(), file_id))

    def close(self) -> Deferred[None]:
        """Close the connection after what is queued, then the thread."""
        if not self.run.pool.started:
            return succeed(None)  # never used: nothing to close
        closing: Deferred[None] = self.run(self.link.close)
        closing.addBoth(lambda _: self.run.stop())
        return closing
