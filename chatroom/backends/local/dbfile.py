"""Opening the ``--db`` file: what the store can serve, or one line saying why not.

Start-up refuses, before the server listens, what would otherwise fail
later and quietly: a directory the server cannot write in (SQLite's WAL
needs two files beside the database), a database another live server
holds (:class:`ServerLock`: both would hand out the same event ids, and
every write of the second would fail), and a damaged file (SQLite's
``quick_check`` at open, so a bad page is found now and not by a traceback
halfway through loading). Each is a :class:`DatabaseUnusableError` whose message is
the one line ``chatroom: --db PATH: ...`` that ``twistd`` prints.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import tempfile

from twisted.python.failure import Failure

from chatroom.backends.local import search
from chatroom.backends.local.rekey import rekey
from chatroom.core.model.events import fresh_epoch

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS rooms (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
    permanent INTEGER NOT NULL, topic TEXT NOT NULL, topic_by TEXT NOT NULL,
    created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ids (key TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS epoch (value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL, id INTEGER NOT NULL, kind TEXT NOT NULL,
    user TEXT NOT NULL, stamp TEXT NOT NULL, text TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_bans (mask TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS server_ban_terms (
    mask TEXT PRIMARY KEY, terms TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invitations (code TEXT PRIMARY KEY, kept TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_tokens (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, kept TEXT NOT NULL,
    until REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sign_in_tokens_account ON sign_in_tokens (account);
CREATE TABLE IF NOT EXISTS account_ages (account TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ignores (
    account TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (account, name));
CREATE TABLE IF NOT EXISTS modlog (
    seq INTEGER PRIMARY KEY, room TEXT NOT NULL, line TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS modlog_room ON modlog (room, seq);
CREATE TABLE IF NOT EXISTS read_markers (
    account TEXT NOT NULL, room TEXT NOT NULL, id INTEGER NOT NULL,
    PRIMARY KEY (account, room)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reports (
    number INTEGER PRIMARY KEY, filed TEXT NOT NULL, open INTEGER NOT NULL,
    kept TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pins (
    room TEXT NOT NULL, id INTEGER NOT NULL, by TEXT NOT NULL,
    PRIMARY KEY (room, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account_settings (
    account TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (account, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account_rooms (
    account TEXT NOT NULL, room TEXT NOT NULL, PRIMARY KEY (account, room));
CREATE TABLE IF NOT EXISTS private_messages (
    conversation TEXT NOT NULL, id INTEGER NOT NULL, sender TEXT NOT NULL,
    recipient TEXT NOT NULL, stamp TEXT NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (conversation, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kept_private (
    account TEXT NOT NULL, conversation TEXT NOT NULL, id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS kept_private_account ON kept_private (account);
CREATE TABLE IF NOT EXISTS webhooks (
    secret TEXT PRIMARY KEY, room TEXT NOT NULL, room_name TEXT NOT NULL,
    name TEXT NOT NULL, by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS webhooks_room ON webhooks (room);
CREATE TABLE IF NOT EXISTS slash_commands (
    room TEXT NOT NULL, key TEXT NOT NULL, kept TEXT NOT NULL,
    PRIMARY KEY (room, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bridge_notes (
    book TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, until REAL NOT NULL,
    PRIMARY KEY (book, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, size INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS push_subscriptions (
    endpoint TEXT PRIMARY KEY, account TEXT NOT NULL, p256dh TEXT NOT NULL,
    auth TEXT NOT NULL, format TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS room_renames (
    old TEXT PRIMARY KEY, key TEXT NOT NULL, name TEXT NOT NULL, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS txn_keys (
    sender TEXT NOT NULL, key TEXT NOT NULL, line TEXT NOT NULL,
    target TEXT NOT NULL, event TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (sender, key));
CREATE INDEX IF NOT EXISTS txn_keys_at ON txn_keys (at);
"""

#: Columns added since the first schema: (table, column, definition).
#: (Tables added since, such as ``read_markers``, are made on an older
#: file by the schema's ``CREATE TABLE IF NOT EXISTS``.)
MIGRATIONS = [
    ("rooms", "policy", "TEXT NOT NULL DEFAULT ''"),
    # a stored event's tags (``reply=ID``...) as ``/caps rich`` shows them
    ("events", "tags", "TEXT NOT NULL DEFAULT ''"),
    # the message an EDIT or REDACT changes (chatroom.core.stored), 0 for none
    ("events", "target", "INTEGER NOT NULL DEFAULT 0"),
    # an account's SCRAM-SHA-256 keys (chatroom.core.accounts.scram), "" until made
    ("accounts", "scram", "TEXT NOT NULL DEFAULT ''"),
    # when the room was made and its topic set (Unix seconds; IRC's 329, 333)
    ("rooms", "created_at", "INTEGER NOT NULL DEFAULT 0"),
    ("rooms", "topic_at", "INTEGER NOT NULL DEFAULT 0"),
    # a private message's tags (an IRC NOTICE's, client-only ones)
    ("private_messages", "tags", "TEXT NOT NULL DEFAULT ''"),
    # an account's e-mail address and the codes mailed to it
    # (chatroom.core.services.mailbox's encoding), "" for none
    ("accounts", "mailbox", "TEXT NOT NULL DEFAULT ''"),
    # the OpenID provider's subject the account is bound to
    # (chatroom.core.accounts.oidc's encoding), "" for none
    ("accounts", "oidc", "TEXT NOT NULL DEFAULT ''"),
    # an account's app passwords: labels, ids and hashes
    # (chatroom.core.model.accountrecord's encoding), "" for none
    ("accounts", "app_passwords", "TEXT NOT NULL DEFAULT ''"),
    # what an event says of the message it answers or concerns (a reply's
    # quote: chatroom.backends.local.rows.quoted_of), "" for nothing
    ("events", "quoted", "TEXT NOT NULL DEFAULT ''"),
    # what makes a bot account one: its owner, relay permission, when it
    # was made, its token's hash (chatroom.core.model.accountrecord.Bot),
    # "" for an account of a person
    ("accounts", "bot", "TEXT NOT NULL DEFAULT ''"),
]

#: SQLite's errors that mean the file itself is bad (not where it is).
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class DatabaseUnusableError(Exception):
    """The database cannot be served; the message says why, in one line."""


def open_database(path: str) -> sqlite3.Connection:
    """The database at ``path``, checked, with the schema in place.

    Raises :class:`DatabaseUnusableError` for an unwritable directory, a damaged
    file or any other SQLite error on the way (a read-only file, say).
    """
    check_directory(path)
    try:
        db = sqlite3.connect(path, check_same_thread=False)
    except sqlite3.Error as problem:
        raise DatabaseUnusableError(str(problem)) from None
    try:
        _check_intact(db)
        db.executescript(SCHEMA)
        for table, column, definition in MIGRATIONS:
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        rekey(db)  # names' keys as today's name_key makes them (once)
        search.install(db)  # the full-text index (built once on an older file)
        db.execute("PRAGMA synchronous = FULL")
        # A write transaction that changes nothing: a file the server may
        # read but not write is refused now, not at the first message.
        # It also gives a new file its epoch (the ids' lifetime: the file's).
        with db:
            db.execute("DELETE FROM ids WHERE 0")
            db.execute(
                "INSERT INTO epoch SELECT ? WHERE NOT EXISTS (SELECT * FROM epoch)",
                (fresh_epoch(),),
            )
    except sqlite3.Error as problem:
        db.close()
        raise DatabaseUnusableError(describe(problem)) from None
    return db


def describe(problem: sqlite3.Error) -> str:
    """SQLite's complaint, with what the operator can do about a bad file."""
    if getattr(problem, "sqlite_errorname", "") in _DAMAGED:
        return f"the file is damaged ({problem}); restore a backup or move it aside"
    return str(problem)


def _check_intact(db: sqlite3.Connection) -> None:
    """``PRAGMA quick_check``: every page readable, every record well formed
    (it skips index-content checks, so it reads the file once, fast)."""
    found = [row[0] for row in db.execute("PRAGMA quick_check(20)")]
    if found == ["ok"]:
        return
    problems = [
        line for row in found for line in row.splitlines() if not line.startswith("*")
    ] or found
    more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
    raise DatabaseUnusableError(
        f"the file is damaged ({problems[0]}{more}); restore a backup or move it aside"
    )


def check_directory(path: str) -> None:
    """Refuse a directory the server cannot create files in.

    A real file is made and removed (``os.access`` says yes to root even
    on a read-only mount), since SQLite creates ``-wal`` and ``-shm``
    beside the database whenever it opens it.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as problem:
        raise DatabaseUnusableError(
            f"cannot write in {directory}: {problem.strerror or problem}"
        ) from None


class ServerLock:
    """``PATH.lock``, held (``flock``) for as long as a server uses ``PATH``.

    The file holds the holder's pid, so a second server can name it. The
    lock goes with the process, however it ends, so a crashed server never
    leaves a stale one; the file itself stays (removing it would let two
    servers lock two different files of one name). ``flock`` rather than
    POSIX locks: a forked child (twistd without ``-n``) keeps it, and it
    never meddles with SQLite's own locks on the database.
    """

    def __init__(self, path: str) -> None:
        self.path = path + ".lock"
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as problem:
            raise DatabaseUnusableError(
                f"cannot create {self.path}: {problem.strerror or problem}"
            ) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as problem:
            holder = os.pread(self._fd, 32, 0).decode("ascii", "replace").strip()
            os.close(self._fd)
            if problem.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                message = f"cannot lock {self.path}: {problem.strerror}"
                raise DatabaseUnusableError(message) from None
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise DatabaseUnusableError(
                f"another chatroom server{who} is using this database; "
                "stop it first or give this one another --db"
            ) from None
        self.pid = 0
        self.claim()

    def claim(self) -> None:
        """Write this process's pid (again after twistd forked into the
        background, so the name given to a second server is the live one)."""
        self.pid = os.getpid()
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{self.pid}\n".encode("ascii"), 0)
        except OSError:
            pass  # a full disk: the lock holds all the same, only unnamed

    def release(self) -> None:
        """Let go (closing the descriptor drops the lock)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def problem_for_users(failure: Failure) -> str:
    """Why messages are refused, in words a user understands, from the
    store's failed commit."""
    if getattr(failure.value, "sqlite_errorname", "") == "SQLITE_FULL":
        return "the server's disk is full"
    return "the server cannot write to its database"
