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
The interface and the records live in :mod:`chatroom.backends.local.records`
(re-exported here). :func:`open_store` is the wiring's one call: the store
``--db`` names, its file locked against a second server, its threads
started.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from typing import Any

from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.local.dbfile import (
    DatabaseUnusableError,
    ServerLock,
    check_directory,
    describe,
    open_database,
    problem_for_users,
)
from chatroom.backends.local.records import (
    Loaded,
    LoadedAccounts,
    LoadedPrivate,
    MemoryStore,
    PrivateRow,
    RoomRecord,
    Row,
    Store,
)
from chatroom.backends.local.rows import DEPENDENT_KINDS, REACTION_KINDS, replacing
from chatroom.backends.local.search import FileSearcher, Found, prepare
from chatroom.core.accounts.account_settings import FOLLOW, NOTIFY
from chatroom.core.accounts.files import FileRecord
from chatroom.core.infra.thread_pool import PrivateThreads
from chatroom.core.messages.search import SearchQuery
from chatroom.core.model.accountrecord import Account
from chatroom.core.model.hooks import Hook
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.subscription import Subscription
from chatroom.core.moderation.modlog import MODLOG_KEEP

__all__ = [
    "Loaded",
    "LoadedAccounts",
    "MemoryStore",
    "RoomRecord",
    "Row",
    "SqliteStore",
    "Store",
]

#: Seconds between commits: the bound on what a crash can lose.
FLUSH_INTERVAL = 0.2

#: Seconds between deletions of events older than ``--retention-age``.
AGE_TRIM_INTERVAL = 60.0

#: After a failed commit, seconds until the first retry; each failure
#: doubles the wait, up to :data:`RETRY_MAX`. The disk is not hammered
#: while it is full, and service comes back soon after it is freed.
RETRY_FIRST = 0.5
RETRY_MAX = 2.0

#: How :meth:`SqliteStore.add_event` writes one event (and how a batch that
#: could not be written tells its events apart from other changes).
#: A redacted message and the events that depend on it; an edited one.
DROP_MESSAGE = (
    "DELETE FROM events WHERE room = ? AND (id = ? OR (target = ? AND kind IN "
    f"({', '.join(repr(kind) for kind in sorted(DEPENDENT_KINDS))})))"
)
EDIT_MESSAGE = "UPDATE events SET text = ?, tags = ? WHERE room = ? AND id = ?"
INSERT_EVENT = (
    "INSERT INTO events (room, id, kind, user, stamp, text, tags, target, quoted, "
    "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

#: An account's remembered rooms, oldest first; one entered (True) or left.
ACCOUNT_ROOMS = "SELECT account, room FROM account_rooms ORDER BY rowid"
ACCOUNT_ROOM = {
    True: "INSERT OR IGNORE INTO account_rooms VALUES (?, ?)",
    False: "DELETE FROM account_rooms WHERE account = ? AND room = ?",
}

#: The kinds of ``events`` rows that are reactions, for SQL.
_REACTION_KINDS = ", ".join(repr(kind) for kind in sorted(REACTION_KINDS))

#: Runs a function off the reactor thread, in order, one at a time.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]


class SqliteStore:
    """One SQLite file written by one thread, a transaction per flush.

    Args:
        path: the database file (created if missing).
        clock: drives the flushes (the reactor; ``task.Clock`` in tests).
        run: runs a function on the writer thread, in order (tests run it
            in place).
        retention: events kept per room (older ones are deleted at flush).
        lock: the :class:`~chatroom.backends.local.dbfile.ServerLock` held
            on ``path`` (released on close), if any.
        search_run: runs a search on the search thread (default ``run``).

    Raises :class:`~chatroom.backends.local.dbfile.DatabaseUnusableError` (one line)
    when the file cannot be served.

    A commit that fails (a full disk) keeps its batch at the head of the
    queue and is retried, in order, with back-off; meanwhile
    :attr:`problem` says why, so the registry refuses new messages instead
    of acknowledging what may never be written, and nothing after the
    failed batch can commit before it: the ids on disk never have a hole.
    """

    log = Logger()
    persistent = True

    def __init__(
        self,
        path: str,
        clock: IReactorTime,
        run: Runner,
        retention: int,
        lock: ServerLock | None = None,
        search_run: Runner | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.run = run
        self.retention = retention
        self.lock = lock
        self.db = open_database(path)
        prepare(self.db)  # name_key, for a deleted account's rows
        self.searcher = FileSearcher(path, search_run or run)
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._touched: dict[str, int] = {}  # room key → newest id added
        #: Events said before this go at the next trim by age (the core's
        #: operand, :meth:`age_out`), and the one that trim last applied.
        self._oldest = 0.0
        self._aged_to = 0.0
        self._next_age_trim = 0.0
        self.problem = ""
        self.on_health: Callable[[str], None] = lambda problem: None
        #: The commit under way (one at a time), and flushes asked for meanwhile.
        self._writing: Deferred[None] | None = None
        self._waiting: list[Deferred[None]] = []
        self._force_next = False
        self._retry_at = 0.0
        self._retry_delay = RETRY_FIRST
        self._flusher = task.LoopingCall(self.flush)
        self._flusher.clock = clock
        self._flusher.start(FLUSH_INTERVAL, now=False)
        #: Called with {room key: oldest id kept} after an age trim.
        self.on_trimmed: Callable[[dict[str, int]], None] = lambda firsts: None

    # -- start-up -------------------------------------------------------------

    def load(self, keep: int) -> Loaded:
        """Raises :class:`DatabaseUnusableError` for damage ``quick_check``
        did not see (it skips what only a full ``integrity_check`` finds)."""
        try:
            return self._load(keep)
        except sqlite3.Error as problem:
            raise DatabaseUnusableError(describe(problem)) from None

    def _load(self, keep: int) -> Loaded:
        db = self.db
        (epoch,) = db.execute("SELECT value FROM epoch").fetchone()
        last_ids = dict(db.execute("SELECT key, last FROM ids"))
        loaded = Loaded(last_ids=last_ids, epoch=epoch)
        rooms = db.execute(
            "SELECT key, name, owner, permanent, topic, topic_by, policy, "
            "created_at, topic_at FROM rooms ORDER BY created"
        ).fetchall()
        for row in rooms:
            key, name, owner, permanent, topic, topic_by, policy = row[:7]
            recent = db.execute(
                "SELECT id, kind, user, stamp, text, tags, target, quoted FROM events "
                "WHERE room = ? ORDER BY id DESC LIMIT ?",
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
                    created_at=row[7],
                    topic_at=row[8],
                )
            )
        return loaded

    # -- changes, queued for the next flush ----------------------------------------

    def save_room(self, record: RoomRecord) -> None:
        """A new room sorts after every stored one (restored rooms keep their
        order in the lobby)."""
        self._pending.append(
            (
                "INSERT INTO rooms (key, name, owner, permanent, topic, topic_by, "
                "created, policy, created_at, topic_at) SELECT ?, ?, ?, ?, ?, ?, "
                "COALESCE(MAX(created), 0) + 1, ?, ?, ? FROM rooms WHERE true "
                "ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
                "owner = excluded.owner, topic = excluded.topic, "
                "topic_by = excluded.topic_by, policy = excluded.policy, "
                "topic_at = excluded.topic_at",
                (
                    record.key,
                    record.name,
                    record.owner,
                    int(record.permanent),
                    record.topic,
                    record.topic_by,
                    record.policy,
                    record.created_at,
                    record.topic_at,
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
            scram=dict(db.execute("SELECT key, scram FROM accounts WHERE scram != ''")),
            mailboxes=dict(
                db.execute("SELECT key, mailbox FROM accounts WHERE mailbox != ''")
            ),
            oidc=dict(db.execute("SELECT key, oidc FROM accounts WHERE oidc != ''")),
            app_passwords=dict(
                db.execute(
                    "SELECT key, app_passwords FROM accounts WHERE app_passwords != ''"
                )
            ),
            bots=dict(db.execute("SELECT key, bot FROM accounts WHERE bot != ''")),
            ban_terms=dict(db.execute("SELECT mask, terms FROM server_ban_terms")),
            ignores=db.execute("SELECT account, name FROM ignores").fetchall(),
            ages=dict(db.execute("SELECT account, at FROM account_ages")),
            invitations=dict(db.execute("SELECT code, kept FROM invitations")),
            sign_in_tokens=db.execute(
                "SELECT token, account, kept, until FROM sign_in_tokens"
            ).fetchall(),
            lockdown="".join(
                value
                for (value,) in db.execute(
                    "SELECT value FROM server_state WHERE key = 'lockdown'"
                )
            ),
        )

    def save_account(self, account: Account) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO accounts (key, name, hash, scram, mailbox, "
                "oidc, app_passwords, bot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account.key,
                    account.name,
                    account.hash,
                    account.scram,
                    account.mailbox,
                    account.oidc,
                    account.app_passwords,
                    account.bot,
                ),
            )
        )

    def drop_account(self, key: str) -> None:
        self._pending.append(("DELETE FROM accounts WHERE key = ?", (key,)))
        self._pending.append(("DELETE FROM read_markers WHERE account = ?", (key,)))
        self._pending.append(("DELETE FROM account_settings WHERE account = ?", (key,)))
        self._pending.append(("DELETE FROM account_rooms WHERE account = ?", (key,)))
        self._pending.append(("DELETE FROM ignores WHERE account = ?", (key,)))
        self._pending.append(("DELETE FROM kept_private WHERE account = ?", (key,)))

    def load_markers(self) -> list[tuple[str, str, int]]:
        return self.db.execute("SELECT account, room, id FROM read_markers").fetchall()

    def save_marker(self, account: str, room: str, event_id: int) -> None:
        self._pending.append(
            (
                "INSERT INTO read_markers VALUES (?, ?, ?) ON CONFLICT(account, room) "
                "DO UPDATE SET id = excluded.id",
                (account, room, event_id),
            )
        )

    def load_settings(self) -> list[tuple[str, str, str]]:
        return self.db.execute(
            "SELECT account, key, value FROM account_settings"
        ).fetchall()

    def save_setting(self, account: str, key: str, value: str) -> None:
        self._pending.append(
            (
                "INSERT INTO account_settings VALUES (?, ?, ?) ON CONFLICT(account, "
                "key) DO UPDATE SET value = excluded.value",
                (account, key, value),
            )
        )

    def drop_setting(self, account: str, key: str) -> None:
        self._pending.append(
            (
                "DELETE FROM account_settings WHERE account = ? AND key = ?",
                (account, key),
            )
        )

    def load_account_rooms(self) -> list[tuple[str, str]]:
        return self.db.execute(ACCOUNT_ROOMS).fetchall()

    def load_files(self) -> list[FileRecord]:
        rows = self.db.execute(
            "SELECT id, account, name, type, size, at FROM files ORDER BY at"
        )
        return [FileRecord(*row) for row in rows]

    def save_file(self, record: FileRecord) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.account,
                    record.name,
                    record.type,
                    record.size,
                    record.at,
                ),
            )
        )

    def drop_file(self, file_id: str) -> None:
        self._pending.append(("DELETE FROM files WHERE id = ?", (file_id,)))

    def load_push(self) -> tuple[str | None, list[tuple[str, Subscription]]]:
        key = self.db.execute(
            "SELECT value FROM server_keys WHERE name = 'vapid'"
        ).fetchone()
        rows = self.db.execute(
            "SELECT account, endpoint, p256dh, auth, format FROM push_subscriptions"
        )
        kept = [(account, Subscription(*rest)) for account, *rest in rows]
        return (key[0] if key else None), kept

    def save_server_key(self, pem: str) -> None:
        self._pending.append(
            ("INSERT OR REPLACE INTO server_keys VALUES ('vapid', ?)", (pem,))
        )

    def save_push(self, account: str, subscription: Subscription) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO push_subscriptions VALUES (?, ?, ?, ?, ?)",
                (
                    subscription.endpoint,
                    account,
                    subscription.p256dh,
                    subscription.auth,
                    subscription.format,
                ),
            )
        )

    def drop_push(self, endpoint: str) -> None:
        self._pending.append(
            ("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))
        )

    def save_account_room(self, account: str, room: str, present: bool) -> None:
        self._pending.append((ACCOUNT_ROOM[present], (account, room)))

    def save_age(self, account: str, at: float) -> None:
        self._pending.append(
            ("INSERT OR REPLACE INTO account_ages VALUES (?, ?)", (account, at))
        )

    def save_ignore(self, account: str, name: str, ignored: bool) -> None:
        if ignored:
            statement = "INSERT OR IGNORE INTO ignores VALUES (?, ?)"
        else:
            statement = "DELETE FROM ignores WHERE account = ? AND name = ?"
        self._pending.append((statement, (account, name)))

    def save_lockdown(self, kept: str) -> None:
        self._pending.append(
            ("INSERT OR REPLACE INTO server_state VALUES ('lockdown', ?)", (kept,))
        )

    def save_invitation(self, code: str, kept: str) -> None:
        if kept:
            statement = "INSERT OR REPLACE INTO invitations VALUES (?, ?)"
            self._pending.append((statement, (code, kept)))
        else:
            statement = "DELETE FROM invitations WHERE code = ?"
            self._pending.append((statement, (code,)))

    def save_sign_in_token(
        self, token: str, account: str, kept: str, until: float
    ) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO sign_in_tokens VALUES (?, ?, ?, ?)",
                (token, account, kept, until),
            )
        )

    def drop_sign_in_token(self, token: str) -> None:
        self._pending.append(("DELETE FROM sign_in_tokens WHERE token = ?", (token,)))

    def drop_sign_in_tokens(self, account: str) -> None:
        self._pending.append(
            ("DELETE FROM sign_in_tokens WHERE account = ?", (account,))
        )

    def save_server_ban(self, mask: str, banned: bool, terms: str = "") -> None:
        self._pending.append(("DELETE FROM server_ban_terms WHERE mask = ?", (mask,)))
        if banned:
            self._pending.append(
                ("INSERT OR IGNORE INTO server_bans VALUES (?)", (mask,))
            )
            if terms:
                self._pending.append(
                    ("INSERT INTO server_ban_terms VALUES (?, ?)", (mask, terms))
                )
        else:
            self._pending.append(("DELETE FROM server_bans WHERE mask = ?", (mask,)))

    def drop_room(self, key: str) -> None:
        self._pending.append(("DELETE FROM rooms WHERE key = ?", (key,)))
        self._pending.append(("DELETE FROM events WHERE room = ?", (key,)))
        self._pending.append(("DELETE FROM modlog WHERE room = ?", (key,)))
        self._pending.append(("DELETE FROM webhooks WHERE room = ?", (key,)))
        self._pending.append(("DELETE FROM slash_commands WHERE room = ?", (key,)))
        self._pending.append(("DELETE FROM pins WHERE room = ?", (key,)))
        self._touched.pop(key, None)

    def rename_room(self, key: str, new_key: str, name: str, until: float) -> None:
        """One batch, so one transaction: whatever the room keeps moves to
        its new key together (the search index follows its events by the
        ``search_moved`` trigger), and ``key`` keeps its newest id, so a
        room made under it later goes on from there. A new case of the
        same name changes the name alone."""
        if new_key == key:  # its case alone
            self._pending += [
                ("UPDATE rooms SET name = ? WHERE key = ?", (name, key)),
                ("UPDATE webhooks SET room_name = ? WHERE room = ?", (name, key)),
            ]
            return
        notify, follow = f"{NOTIFY} ", f"{FOLLOW} "
        touched = self._touched.pop(key, 0)
        if touched:
            self._touched[new_key] = touched
        self._pending.extend(
            [
                (
                    "UPDATE rooms SET key = ?, name = ? WHERE key = ?",
                    (new_key, name, key),
                ),
                ("UPDATE events SET room = ? WHERE room = ?", (new_key, key)),
                (
                    "INSERT INTO ids SELECT ?, last FROM ids WHERE key = ? "
                    "ON CONFLICT(key) DO UPDATE SET last = MAX(last, excluded.last)",
                    (new_key, key),
                ),
                ("UPDATE modlog SET room = ? WHERE room = ?", (new_key, key)),
                (
                    "UPDATE webhooks SET room = ?, room_name = ? WHERE room = ?",
                    (new_key, name, key),
                ),
                ("UPDATE pins SET room = ? WHERE room = ?", (new_key, key)),
                ("UPDATE slash_commands SET room = ? WHERE room = ?", (new_key, key)),
                ("DELETE FROM read_markers WHERE room = ?", (new_key,)),
                ("UPDATE read_markers SET room = ? WHERE room = ?", (new_key, key)),
                (
                    "DELETE FROM account_settings "
                    "WHERE key = ? OR substr(key, 1, ?) = ?",
                    (
                        notify + new_key,
                        len(follow + new_key) + 1,
                        f"{follow}{new_key} ",
                    ),
                ),
                (
                    "UPDATE account_settings SET key = ? WHERE key = ?",
                    (notify + new_key, notify + key),
                ),
                (
                    "UPDATE account_settings SET key = ? || substr(key, ?) "
                    "WHERE substr(key, 1, ?) = ?",
                    (
                        *(f"{follow}{new_key} ", len(follow + key) + 2),
                        *(len(follow + key) + 1, f"{follow}{key} "),
                    ),
                ),
                (
                    "UPDATE room_renames SET key = ?, name = ? WHERE key = ?",
                    (new_key, name, key),
                ),
                ("DELETE FROM room_renames WHERE old = ?", (new_key,)),
                (
                    "INSERT INTO room_renames VALUES (?, ?, ?, ?) ON CONFLICT(old) "
                    "DO UPDATE SET key = excluded.key, name = excluded.name, "
                    "until = excluded.until",
                    (key, new_key, name, until),
                ),
            ]
        )

    def load_renames(self) -> list[tuple[str, str, float]]:
        return self.db.execute("SELECT old, name, until FROM room_renames").fetchall()

    def load_keys(self, since: float) -> list[tuple[str, str, str, str, str, float]]:
        return self.db.execute(
            "SELECT sender, key, line, target, event, at FROM txn_keys"
            " WHERE at >= ? ORDER BY at",
            (since,),
        ).fetchall()

    def save_key(
        self, sender: str, key: str, line: str, target: str, event: str, at: float
    ) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO txn_keys VALUES (?, ?, ?, ?, ?, ?)",
                (sender, key, line, target, event, at),
            )
        )

    def drop_keys(self, before: float) -> None:
        self._pending.append(("DELETE FROM txn_keys WHERE at < ?", (before,)))

    def change_event(
        self, key: str, target: int, text: str | None, tags: str = ""
    ) -> None:
        if text is None:
            self._pending.append((DROP_MESSAGE, (key, target, target)))
        else:
            self._pending.append((EDIT_MESSAGE, (text, tags, key, target)))

    def load_reactions(self) -> list[tuple[str, Row]]:
        """Every stored reaction (room key, row), in order: reactions are
        stored events (``REACT``, ``UNREACT`` rows of ``events``, trimmed
        with the rest), read back at start-up to know who reacted with what."""
        rows = self.db.execute(
            "SELECT room, id, kind, user, stamp, text, tags, target, quoted "
            "FROM events "
            f"WHERE kind IN ({_REACTION_KINDS}) ORDER BY room, id"
        )
        return [(row[0], row[1:]) for row in rows]

    def load_modlog(self) -> list[tuple[str, str]]:
        """Every room's log entries (room key, stored line), oldest first."""
        return self.db.execute("SELECT room, line FROM modlog ORDER BY seq").fetchall()

    def add_modlog(self, key: str, line: str) -> None:
        """One entry; the room's entries beyond the newest MODLOG_KEEP go
        (a room's log goes with the room: :meth:`drop_room`)."""
        self._pending.extend(
            [
                ("INSERT INTO modlog (room, line) VALUES (?, ?)", (key, line)),
                (
                    "DELETE FROM modlog WHERE room = ? AND seq NOT IN "
                    "(SELECT seq FROM modlog WHERE room = ? ORDER BY seq DESC LIMIT ?)",
                    (key, key, MODLOG_KEEP),
                ),
            ]
        )

    def load_pins(self) -> list[tuple[str, int, str]]:
        return self.db.execute("SELECT room, id, by FROM pins").fetchall()

    def save_pin(self, room: str, event_id: int, by: str, pinned: bool) -> None:
        if pinned:
            statement = "INSERT OR REPLACE INTO pins VALUES (?, ?, ?)"
            self._pending.append((statement, (room, event_id, by)))
        else:
            statement = "DELETE FROM pins WHERE room = ? AND id = ?"
            self._pending.append((statement, (room, event_id)))

    def load_reports(self) -> list[tuple[int, str, bool, str]]:
        rows = self.db.execute(
            "SELECT number, filed, open, kept FROM reports ORDER BY number"
        )
        return [(number, filed, bool(o), kept) for number, filed, o, kept in rows]

    def save_report(self, number: int, filed: str, is_open: bool, kept: str) -> None:
        if filed:
            statement = "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?)"
            self._pending.append((statement, (number, filed, int(is_open), kept)))
        else:
            statement = "UPDATE reports SET open = ?, kept = ? WHERE number = ?"
            self._pending.append((statement, (int(is_open), kept, number)))

    def load_hooks(self) -> list[Hook]:
        """Every room's webhooks."""
        rows = self.db.execute("SELECT room_name, name, secret, by FROM webhooks")
        return [Hook(*row) for row in rows]

    def save_hook(self, hook: Hook, present: bool) -> None:
        if present:
            self._pending.append(
                (
                    "INSERT INTO webhooks VALUES (?, ?, ?, ?, ?)",
                    (hook.secret, hook.key, hook.room, hook.name, hook.by),
                )
            )
        else:
            self._pending.append(
                ("DELETE FROM webhooks WHERE secret = ?", (hook.secret,))
            )

    def load_commands(self) -> list[tuple[str, str, SlashCommand]]:
        """Every room's slash commands (a row that is none skipped)."""
        rows = self.db.execute("SELECT room, key, kept FROM slash_commands")
        loaded = []
        for room, key, kept in rows:
            command = SlashCommand.decoded(kept)
            if command is not None:
                loaded.append((room, key, command))
        return loaded

    def save_command(self, room: str, key: str, command: SlashCommand | None) -> None:
        if command is not None:
            self._pending.append(
                (
                    "INSERT OR REPLACE INTO slash_commands VALUES (?, ?, ?)",
                    (room, key, command.encoded()),
                )
            )
        else:
            self._pending.append(
                ("DELETE FROM slash_commands WHERE room = ? AND key = ?", (room, key))
            )

    def load_bridge_notes(self, now: float) -> list[tuple[str, str, str, float]]:
        """The Matrix bridge's notes, those past their time dropped first."""
        with self.db:
            self.db.execute(
                "DELETE FROM bridge_notes WHERE until > 0 AND until < ?",
                (now,),
            )
        rows = self.db.execute("SELECT book, key, value, until FROM bridge_notes")
        return [(book, key, value, until) for book, key, value, until in rows]

    def save_bridge_note(self, book: str, key: str, value: str, until: float) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO bridge_notes VALUES (?, ?, ?, ?)",
                (book, key, value, until),
            )
        )

    def load_private(self) -> LoadedPrivate:
        """Every conversation (oldest first) and every kept message: the
        ``private_messages`` table (each conversation's messages by id) and
        ``kept_private`` (the messages waiting for an absent account, in
        the order they were kept: by rowid, dropped once delivered)."""
        loaded = LoadedPrivate()
        rows = self.db.execute(
            "SELECT conversation, id, sender, recipient, stamp, text, tags "
            "FROM private_messages ORDER BY conversation, id"
        )
        for conversation, *row in rows:
            loaded.conversations.setdefault(conversation, []).append(tuple(row))
        loaded.kept = self.db.execute(
            "SELECT account, conversation, id FROM kept_private ORDER BY rowid"
        ).fetchall()
        return loaded

    def add_private(self, conversation: str, row: PrivateRow, keep: int) -> None:
        """Insert a message; drop what falls out of the newest ``keep``."""
        self._pending.extend(
            [
                (
                    "INSERT INTO private_messages (conversation, id, sender, "
                    "recipient, stamp, text, tags) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (conversation, *row),
                ),
                (
                    "DELETE FROM private_messages WHERE conversation = ? AND id <= ?",
                    (conversation, row[0] - keep),
                ),
            ]
        )

    def keep_private(self, account: str, conversation: str, event_id: int) -> None:
        self._pending.append(
            (
                "INSERT INTO kept_private VALUES (?, ?, ?)",
                (account, conversation, event_id),
            )
        )

    def drop_kept(self, account: str) -> None:
        self._pending.append(("DELETE FROM kept_private WHERE account = ?", (account,)))

    def drop_private(self, conversation: str, event_id: int) -> None:
        """The row and its kept copies (the search index's triggers follow)."""
        where = (conversation, event_id)
        self._pending.extend(
            [
                (
                    "DELETE FROM private_messages WHERE conversation = ? AND id = ?",
                    where,
                ),
                ("DELETE FROM kept_private WHERE conversation = ? AND id = ?", where),
            ]
        )

    def words(self, account: str) -> Deferred[list[tuple[str, str, Row]]]:
        """Every stored room event by account key ``account`` and every one
        whose target is one of them (room key, room name, row), by room
        then id: after the pending writes, on the writer thread."""
        self.flush()
        return self.run(
            lambda: self.db.execute(
                "SELECT e.room, COALESCE(r.name, e.room), e.id, e.kind, e.user, "
                "e.stamp, e.text, e.tags, e.target, e.quoted FROM events e LEFT JOIN "
                "rooms r "
                "ON r.key = e.room WHERE name_key(e.user) = ?1 OR (e.target != 0 "
                "AND EXISTS (SELECT 1 FROM events m WHERE m.room = e.room AND "
                "m.id = e.target AND name_key(m.user) = ?1)) ORDER BY e.room, e.id",
                (account,),
            ).fetchall()
        ).addCallback(lambda rows: [(row[0], row[1], tuple(row[2:])) for row in rows])

    def replace_event(self, key: str, row: Row | None, was: Row) -> None:
        """The event of room ``key`` that lay as ``was`` now lies as ``row``
        (the same id), or is gone (None), in the next flush
        (:func:`~chatroom.backends.local.rows.replacing`)."""
        self._pending.append(replacing(key, row, was))

    def erase_account(self, account: str) -> None:
        """Account key ``account`` and everything of it but its room events
        (the core decides those: :meth:`replace_event`), in the next
        flush's one transaction (see :mod:`chatroom.core.policy.userdata`): its
        row, read markers, remembered rooms, ignore list, kept messages,
        private conversations (and what was kept of them for others)."""
        side = "instr(' ' || conversation || ' ', ' ' || ? || ' ') > 0"
        self._pending.extend(
            [
                ("DELETE FROM accounts WHERE key = ?", (account,)),
                ("DELETE FROM read_markers WHERE account = ?", (account,)),
                ("DELETE FROM account_settings WHERE account = ?", (account,)),
                ("DELETE FROM account_rooms WHERE account = ?", (account,)),
                ("DELETE FROM ignores WHERE account = ?", (account,)),
                ("DELETE FROM kept_private WHERE account = ?", (account,)),
                (f"DELETE FROM kept_private WHERE {side}", (account,)),
                (f"DELETE FROM private_messages WHERE {side}", (account,)),
            ]
        )

    def add_event(self, key: str, row: Row, at: float) -> None:
        self._pending.append((INSERT_EVENT, (key, *row, at)))
        self._touched[key] = row[0]

    def age_out(self, oldest: float) -> None:
        self._oldest = max(self._oldest, oldest)

    # -- the writer thread ----------------------------------------------------------

    def flush(self, force: bool = False) -> Deferred[None]:
        """Commit everything pending in one transaction, on the writer thread.

        Ids and trims are written once per room per flush, not per message.
        One commit at a time: a flush asked for while one is under way
        follows it, so a batch that failed is retried before anything newer.
        While the store is failing, a flush before the back-off is over does
        nothing unless ``force`` (shutdown's last try).
        """
        if self._writing is not None:
            self._force_next = self._force_next or force
            waiter: Deferred[None] = Deferred()
            self._waiting.append(waiter)
            return waiter
        now = self.clock.seconds()
        if self.problem and not force and now < self._retry_at:
            return defer.succeed(None)
        if self.lock is not None and self.lock.pid != os.getpid():
            self.lock.claim()  # twistd forked into the background
        cutoff = 0.0
        if self._oldest > self._aged_to and now >= self._next_age_trim:
            cutoff = self._aged_to = self._oldest
            self._next_age_trim = now + AGE_TRIM_INTERVAL
        if not self._pending and not cutoff and not self.problem:
            return defer.succeed(None)
        batch, self._pending = self._pending, []
        touched, self._touched = self._touched, {}
        writing = self._writing = self.run(lambda: self._write(batch, touched, cutoff))
        writing.addCallbacks(self._written, self._failed, errbackArgs=(batch, touched))
        writing.addBoth(self._idle)
        return writing

    def _idle(self, result: None) -> None:
        """The commit is over: run the flush asked for meanwhile, if any."""
        self._writing = None
        waiting, self._waiting = self._waiting, []
        force, self._force_next = self._force_next, False
        if waiting:
            self.flush(force).addBoth(_fire, waiting)

    def _failed(
        self,
        failure: Failure,
        batch: list[tuple[str, tuple[Any, ...]]],
        touched: dict[str, int],
    ) -> None:
        """Keep the batch at the head of the queue; refuse new messages."""
        self._pending[:0] = batch
        for key, last in touched.items():
            self._touched[key] = max(last, self._touched.get(key, 0))
        self._retry_at = self.clock.seconds() + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)
        if self.problem:
            return  # said already; retrying
        if not failure.check(sqlite3.Error):
            self.log.failure("writing to {path}", failure, path=self.path)
        self.log.critical(
            "cannot write to {path}: {error}; new messages are refused, and "
            "the {count} changes waiting are retried until it works",
            path=self.path,
            error=failure.getErrorMessage(),
            count=len(self._pending),
        )
        self.problem = problem_for_users(failure)
        self.on_health(self.problem)

    def _written(self, firsts: dict[str, int]) -> None:
        if self.problem:
            self.log.info("writing to {path} again", path=self.path)
            self.problem = ""
            self._retry_delay = RETRY_FIRST
            self.on_health("")
        if firsts:
            self.on_trimmed(firsts)

    def _write(
        self,
        batch: list[tuple[str, tuple[Any, ...]]],
        touched: dict[str, int],
        cutoff: float,
    ) -> dict[str, int]:
        db = self.db
        firsts: dict[str, int] = {}
        if db.in_transaction:  # a failed commit's rollback failed too
            db.rollback()
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

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        """Queued behind the pending writes, so it sees every event so far."""
        self.flush()
        return self.run(
            lambda: self.db.execute(
                "SELECT id, kind, user, stamp, text, tags, target, quoted FROM events "
                "WHERE room = ? AND id BETWEEN ? AND ? ORDER BY id",
                (key, first, last),
            ).fetchall()
        )

    def search(
        self, keys: list[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        """After the pending writes are committed, so it sees every message
        so far (:class:`~chatroom.backends.local.search.FileSearcher`)."""
        flushed = self.flush()
        return flushed.addCallback(lambda _: self.searcher.search(keys, query, limit))

    def backup(self, path: str) -> Deferred[None]:
        """SQLite's online backup of this file into a new one at ``path``, on
        the writer thread after what is pending is committed: a consistent
        copy, and never a second writer (chatroom-admin's ``backup``)."""

        def copy() -> None:
            target = sqlite3.connect(path)
            try:
                self.db.backup(target)
                # One file, no -wal beside it, whoever opens it next.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()

        flushed = self.flush(force=True)
        return flushed.addCallback(lambda _: self.run(copy))

    def close(self) -> Deferred[None]:
        """Commit what is pending (once more, now, if failing), say loudly
        what could not be written, and let go of the file and its lock."""
        if self._flusher.running:
            self._flusher.stop()
        closing = self.flush(force=True)
        closing.addCallback(lambda _: self._report_unwritten())
        closing.addCallback(lambda _: self.searcher.close())
        closing.addCallback(lambda _: self.run(self.db.close))
        closing.addBoth(self._stop_writer)
        return closing

    def _report_unwritten(self) -> None:
        if not self._pending:
            return
        events: dict[str, list[int]] = {}
        for statement, parameters in self._pending:
            if statement == INSERT_EVENT:
                events.setdefault(parameters[0], []).append(parameters[1])
        rooms = ", ".join(f"{key} {min(ids)}-{max(ids)}" for key, ids in events.items())
        self.log.critical(
            "shutting down with {count} changes NOT written to {path} ({problem}): "
            "{messages} messages ({rooms}) and {others} other changes are lost",
            count=len(self._pending),
            path=self.path,
            problem=self.problem,
            messages=sum(len(ids) for ids in events.values()),
            rooms=rooms or "none",
            others=len(self._pending) - sum(len(ids) for ids in events.values()),
        )

    def _stop_writer(self, result: object) -> None:
        for threads in (self.run, self.searcher.run):
            if isinstance(threads, PrivateThreads):
                threads.stop()
        if self.lock is not None:
            self.lock.release()


def _fire(result: object, waiting: list[Deferred[None]]) -> None:
    for waiter in waiting:
        waiter.callback(None)


def open_store(
    path: str,
    clock: IReactorTime,
    retention: int,
    run: Runner | None = None,
) -> Store:
    """The store ``--db`` names: SQLite at ``path``, nothing for ``:memory:``.

    Without ``run``, writes go to a thread of their own (one thread, so
    they stay in order), started now and stopped when the reactor stops.
    """
    if path == ":memory:":
        if run is None:
            return MemoryStore(retention, PrivateThreads(clock, "chatroom-search", 1))
        return MemoryStore(retention)
    check_directory(path)
    lock = ServerLock(path)  # before SQLite touches a file another server uses
    try:
        searching = None
        if run is None:
            run = PrivateThreads(clock, "chatroom-store", 1)
            searching = PrivateThreads(clock, "chatroom-search", 1)
        return SqliteStore(path, clock, run, retention, lock, searching)
    except BaseException:
        lock.release()
        raise
