"""One PostgreSQL connection of a node's own, for the cluster's search and
files: bounded, opened on first use, and opened again after a failure.

psycopg 3 blocks, so a :class:`PostgresLink` is used from one thread only
(its owner's :class:`~chatroom.core.infra.thread_pool.PrivateThreads`). Every
statement is bounded by ``statement_timeout`` and the connection attempt by
``connect_timeout``, so a stuck database fails the step that waits on it
and never holds the thread; the schema is put in place (idempotently) each
time the connection is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg


def connect(
    conninfo: str, timeout: float, schema: Sequence[str]
) -> psycopg.Connection[Any]:
    """A connection with ``schema`` in place (one transaction); every
    statement bounded by ``timeout`` seconds."""
    db = psycopg.connect(
        conninfo,
        connect_timeout=max(1, round(timeout)),
        options=f"-c statement_timeout={round(timeout * 1000)}",
        autocommit=True,
    )
    with db.transaction():
        for statement in schema:
            db.execute(statement)
    return db


class PostgresLink:
    """The connection a node's search or files use, kept between steps."""

    def __init__(self, conninfo: str, timeout: float, schema: Sequence[str]) -> None:
        self.conninfo = conninfo
        self.timeout = timeout
        self.schema = schema
        self._db: psycopg.Connection[Any] | None = None

    def connection(self) -> psycopg.Connection[Any]:
        """Opened (again, after a failure) on the owner's thread."""
        if self._db is not None and (self._db.closed or self._db.broken):
            self._db.close()
            self._db = None
        if self._db is None:
            self._db = connect(self.conninfo, self.timeout, self.schema)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
