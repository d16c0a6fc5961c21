"""Where a single server keeps rooms, topics and history: SQLite, off the reactor.

The in-process registry keeps everything it serves in memory, as before,
and tells a :class:`Store` what changed. :class:`SqliteStore` writes those
changes to one SQLite file (``--db``) from a single writer thread, in one
transaction per *flush* (every :data:`FLUSH_INTERVAL` seconds, when there
is anything to write), so a message costs the reactor an append to a list
and the disk one commit per flush, however busy the rooms are. The reactor
never waits on the disk: writes are handed over, and the only reads after
start-up (``/history`` further back than memory holds) come back as
Deferreds. The one read that blocks is :meth:`SqliteStore.load`, once, at
start-up, before the server listens.

How much a crash can lose follows from this: a message acknowledged (its
sender's own copy sent) is committed by the next flush, at most
:data:`FLUSH_INTERVAL` seconds later plus the time the commit takes;
``docs/operations.md`` states the window. Commits are made with
``synchronous=FULL`` in WAL mode, so a committed message survives a
``kill -9`` and a power loss alike.

:class:`MemoryStore` (``--db :memory:``) keeps nothing: today's behaviour.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.threads import PrivateThreads

#: Seconds between commits: the bound on what a crash can lose.
FLUSH_INTERVAL = 0.2

#: Seconds between deletions of events older than ``--retention-age``.
AGE_TRIM_INTERVAL = 60.0

#: Runs a function off the reactor thread, in order, one at a time.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]

#: One stored event as it comes off disk: id, kind (MSG/ACTION), user, stamp, text.
Row = tuple[int, str, str, str, str]

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS rooms (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
    permanent INTEGER NOT NULL, topic TEXT NOT NULL, topic_by TEXT NOT NULL,
    created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ids (key TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL, id INTEGER NOT NULL, kind TEXT NOT NULL,
    user TEXT NOT NULL, stamp TEXT NOT NULL, text TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_bans (mask TEXT PRIMARY KEY);
"""

#: Columns added since the first schema: (table, column, definition).
MIGRATIONS = [("rooms", "policy", "TEXT NOT NULL DEFAULT ''")]


@dataclass
class RoomRecord:
    """A room as stored: enough to restore it, with its newest events."""

    key: str
    name: str
    owner: str = ""  # the owner's display name, "" for none
    permanent: bool = False
    topic: str = ""
    topic_by: str = ""
    #: The room's moderation settings (:class:`chatroom.core.moderation.RoomPolicy`
    #: as JSON; "" for none).
    policy: str = ""
    #: The newest events kept, oldest first (at most what :meth:`Store.load`
    #: was asked for), and the id of the oldest event kept on disk.
    recent: list[Row] = field(default_factory=list)
    first_id: int = 1


@dataclass
class Loaded:
    """What a store holds at start-up."""

    rooms: list[RoomRecord] = field(default_factory=list)
    #: The newest event id of every room key that ever had one (a room made
    #: again under an old name goes on from there, so ids never repeat).
    last_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadedAccounts:
    """Accounts (key, name, hash) and server-wide ban masks, as stored."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    server_bans: list[str] = field(default_factory=list)


class Store(Protocol):
    """What the in-process registry tells its store; none of it waits."""

    persistent: bool
    #: Called with {room key: oldest id kept} when events aged out.
    on_trimmed: Callable[[dict[str, int]], None]

    def load(self, keep: int) -> Loaded:
        """Everything stored, with each room's newest ``keep`` events."""
        ...

    def save_room(self, record: RoomRecord) -> None:
        """Insert or update a room's row (not its events)."""

    def drop_room(self, key: str) -> None:
        """A room went: its row and its events."""

    def load_accounts(self) -> LoadedAccounts:
        """Every account and server ban (at start-up)."""
        ...

    def save_account(self, key: str, name: str, hashed: str) -> None:
        """Insert or replace an account."""

    def drop_account(self, key: str) -> None:
        """An account went."""

    def save_server_ban(self, mask: str, banned: bool) -> None:
        """Add (``banned``) or remove a server-wide ban."""

    def add_event(self, key: str, row: Row, at: float) -> None:
        """One message or action, stored with the next flush."""

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        """Room ``key``'s stored events with ids ``first``..``last``."""
        ...

    def close(self) -> Deferred[None]:
        """Write what is pending and let go of the file."""
        ...


class MemoryStore:
    """``--db :memory:``: nothing is kept beyond what the rooms hold."""

    persistent = False

    def __init__(self) -> None:
        self.on_trimmed: Callable[[dict[str, int]], None] = lambda firsts: None

    def load(self, keep: int) -> Loaded:
        return Loaded()

    def save_room(self, record: RoomRecord) -> None:
        pass

    def drop_room(self, key: str) -> None:
        pass

    def load_accounts(self) -> LoadedAccounts:
        return LoadedAccounts()

    def save_account(self, key: str, name: str, hashed: str) -> None:
        pass

    def drop_account(self, key: str) -> None:
        pass

    def save_server_ban(self, mask: str, banned: bool) -> None:
        pass

    def add_event(self, key: str, row: Row, at: float) -> None:
        pass

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        return defer.succeed([])

    def close(self) -> Deferred[None]:
        return defer.succeed(None)


class SqliteStore:
    """One SQLite file written by one thread, a transaction per flush.

    Args:
        path: the database file (created if missing).
        clock: drives the flushes (the reactor; ``task.Clock`` in tests).
        run: runs a function on the writer thread, in order (tests run it
            in place).
        retention: events kept per room (older ones are deleted at flush).
        retention_age: seconds an event is kept (0: no age limit).
    """

    log = Logger()
    persistent = True

    def __init__(
        self,
        path: str,
        clock: IReactorTime,
        run: Runner,
        retention: int,
        retention_age: float = 0.0,
    ) -> None:
        self.path = path
        self.clock = clock
        self.run = run
        self.retention = retention
        self.retention_age = retention_age
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(SCHEMA)
        for table, column, definition in MIGRATIONS:
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self.db.execute("PRAGMA synchronous = FULL")
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._touched: dict[str, int] = {}  # room key → newest id added
        self._next_age_trim = 0.0
        self._flusher = task.LoopingCall(self.flush)
        self._flusher.clock = clock
        self._flusher.start(FLUSH_INTERVAL, now=False)
        #: Called with {room key: oldest id kept} after an age trim.
        self.on_trimmed: Callable[[dict[str, int]], None] = lambda firsts: None

    # -- start-up -------------------------------------------------------------

    def load(self, keep: int) -> Loaded:
        db = self.db
        loaded = Loaded(last_ids=dict(db.execute("SELECT key, last FROM ids")))
        rooms = db.execute(
            "SELECT key, name, owner, permanent, topic, topic_by, policy FROM rooms "
            "ORDER BY created"
        ).fetchall()
        for key, name, owner, permanent, topic, topic_by, policy in rooms:
            recent = db.execute(
                "SELECT id, kind, user, stamp, text FROM events WHERE room = ? "
                "ORDER BY id DESC LIMIT ?",
                (key, keep),
            ).fetchall()
            (first,) = db.execute(
                "SELECT MIN(id) FROM events WHERE room = ?", (key,)
            ).fetchone()
            last = loaded.last_ids.get(key, 0)
            loaded.rooms.append(
                RoomRecord(
                    key,
                    name,
                    owner,
                    bool(permanent),
                    topic,
                    topic_by,
                    policy,
                    recent=recent[::-1],
                    first_id=first if first is not None else last + 1,
                )
            )
        return loaded

    # -- changes, queued for the next flush ----------------------------------------

    def save_room(self, record: RoomRecord) -> None:
        """A new room sorts after every stored one (restored rooms keep their
        order in the lobby)."""
        self._pending.append(
            (
                "INSERT INTO rooms SELECT ?, ?, ?, ?, ?, ?, "
                "COALESCE(MAX(created), 0) + 1, ? FROM rooms WHERE true "
                "ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
                "owner = excluded.owner, topic = excluded.topic, "
                "topic_by = excluded.topic_by, policy = excluded.policy",
                (
                    record.key,
                    record.name,
                    record.owner,
                    int(record.permanent),
                    record.topic,
                    record.topic_by,
                    record.policy,
                ),
            )
        )

    def load_accounts(self) -> LoadedAccounts:
        db = self.db
        return LoadedAccounts(
            accounts=db.execute("SELECT key, name, hash FROM accounts").fetchall(),
            server_bans=[
                mask
                for (mask,) in db.execute("SELECT mask FROM server_bans ORDER BY rowid")
            ],
        )

    def save_account(self, key: str, name: str, hashed: str) -> None:
        self._pending.append(
            ("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)", (key, name, hashed))
        )

    def drop_account(self, key: str) -> None:
        self._pending.append(("DELETE FROM accounts WHERE key = ?", (key,)))

    def save_server_ban(self, mask: str, banned: bool) -> None:
        if banned:
            self._pending.append(
                ("INSERT OR IGNORE INTO server_bans VALUES (?)", (mask,))
            )
        else:
            self._pending.append(("DELETE FROM server_bans WHERE mask = ?", (mask,)))

    def drop_room(self, key: str) -> None:
        self._pending.append(("DELETE FROM rooms WHERE key = ?", (key,)))
        self._pending.append(("DELETE FROM events WHERE room = ?", (key,)))
        self._touched.pop(key, None)

    def add_event(self, key: str, row: Row, at: float) -> None:
        self._pending.append(
            ("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", (key, *row, at))
        )
        self._touched[key] = row[0]

    # -- the writer thread ----------------------------------------------------------

    def flush(self) -> Deferred[None]:
        """Commit everything pending in one transaction, on the writer thread.

        Ids and trims are written once per room per flush, not per message.
        """
        now = self.clock.seconds()
        cutoff = 0.0
        if self.retention_age and now >= self._next_age_trim:
            cutoff = now - self.retention_age
            self._next_age_trim = now + AGE_TRIM_INTERVAL
        if not self._pending and not cutoff:
            return defer.succeed(None)
        batch, self._pending = self._pending, []
        touched, self._touched = self._touched, {}
        flushing = self.run(lambda: self._write(batch, touched, cutoff))
        flushing.addCallback(self._written)
        flushing.addErrback(
            lambda failure: self.log.failure(
                "writing to {path}", failure, path=self.path
            )
        )
        return flushing

    def _write(
        self,
        batch: list[tuple[str, tuple[Any, ...]]],
        touched: dict[str, int],
        cutoff: float,
    ) -> dict[str, int]:
        db = self.db
        firsts: dict[str, int] = {}
        with db:
            for statement, parameters in batch:
                db.execute(statement, parameters)
            for key, last in touched.items():
                db.execute(
                    "INSERT INTO ids VALUES (?, ?) ON CONFLICT(key) DO "
                    "UPDATE SET last = MAX(last, excluded.last)",
                    (key, last),
                )
                db.execute(
                    "DELETE FROM events WHERE room = ? AND id <= ?",
                    (key, last - self.retention),
                )
            if cutoff:
                trimmed = db.execute(
                    "SELECT DISTINCT room FROM events WHERE at < ?", (cutoff,)
                ).fetchall()
                if trimmed:
                    db.execute("DELETE FROM events WHERE at < ?", (cutoff,))
                for (key,) in trimmed:
                    (first,) = db.execute(
                        "SELECT MIN(id) FROM events WHERE room = ?", (key,)
                    ).fetchone()
                    (last,) = db.execute(
                        "SELECT last FROM ids WHERE key = ?", (key,)
                    ).fetchone() or (0,)
                    firsts[key] = first if first is not None else last + 1
        return firsts

    def _written(self, firsts: dict[str, int]) -> None:
        if firsts:
            self.on_trimmed(firsts)

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        """Queued behind the pending writes, so it sees every event so far."""
        self.flush()
        return self.run(
            lambda: self.db.execute(
                "SELECT id, kind, user, stamp, text FROM events "
                "WHERE room = ? AND id BETWEEN ? AND ? ORDER BY id",
                (key, first, last),
            ).fetchall()
        )

    def close(self) -> Deferred[None]:
        if self._flusher.running:
            self._flusher.stop()
        closing = self.flush()
        closing.addCallback(lambda _: self.run(self.db.close))
        closing.addBoth(self._stop_writer)
        return closing

    def _stop_writer(self, result: object) -> None:
        if isinstance(self.run, PrivateThreads):
            self.run.stop()


def open_store(
    path: str,
    clock: IReactorTime,
    retention: int,
    retention_age: float = 0.0,
    run: Runner | None = None,
) -> Store:
    """The store ``--db`` names: SQLite at ``path``, nothing for ``:memory:``.

    Without ``run``, writes go to a thread of their own (one thread, so
    they stay in order), started now and stopped when the reactor stops.
    """
    if path == ":memory:":
        return MemoryStore()
    if run is None:
        run = PrivateThreads(clock, "chatroom-store", 1)
    return SqliteStore(path, clock, run, retention, retention_age)
