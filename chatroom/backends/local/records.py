"""What the in-process registry and its store exchange, and the store of nothing.

:class:`Store` is the interface (:class:`~chatroom.backends.local.store.SqliteStore`
is the one that keeps things); the records are what it hands back at start-up;
:class:`MemoryStore` (``--db :memory:``) keeps nothing, beyond the
search index of the rooms' newest messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from twisted.internet import defer
from twisted.internet.defer import Deferred

from chatroom.backends.local.rows import Row
from chatroom.backends.local.search import Found
from chatroom.backends.local.search_memory import MemoryIndex, Runner
from chatroom.core.accounts.files import FileRecord
from chatroom.core.messages.search import SearchQuery
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account
from chatroom.core.model.events import fresh_epoch
from chatroom.core.model.hooks import Hook
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.subscription import Subscription

__all__ = [
    "Loaded",
    "LoadedAccounts",
    "LoadedPrivate",
    "MemoryStore",
    "PrivateRow",
    "RoomRecord",
    "Row",
    "Store",
]

#: A private message as stored: id, sender, recipient, time, text, tags
#: (``format_tags``: an IRC ``NOTICE``'s, client-only ones; "" for none).
PrivateRow = tuple[int, str, str, str, str, str]


@dataclass
class RoomRecord:
    """A room as stored: enough to restore it, with its newest events."""

    key: str
    name: str
    owner: str = ""  # the owner's display name, "" for none
    permanent: bool = False
    topic: str = ""
    topic_by: str = ""
    #: The room's moderation settings (:class:`chatroom.core.model.facts.RoomPolicy`
    #: as JSON; "" for none).
    policy: str = ""
    #: The newest events kept, oldest first (at most what :meth:`Store.load`
    #: was asked for), and the id of the oldest event kept on disk.
    recent: list[Row] = field(default_factory=list)
    first_id: int = 1
    #: When the room was made and its topic set (Unix seconds, 0: unknown).
    created_at: int = 0
    topic_at: int = 0


@dataclass
class Loaded:
    """What a store holds at start-up."""

    rooms: list[RoomRecord] = field(default_factory=list)
    #: The newest event id of every room key that ever had one (a room made
    #: again under an old name goes on from there, so ids never repeat).
    last_ids: dict[str, int] = field(default_factory=dict)
    #: The store's epoch (:attr:`chatroom.core.backend.Backend.store_epoch`):
    #: the file's, or a new one for a store in memory.
    epoch: str = field(default_factory=fresh_epoch)


@dataclass
class LoadedAccounts:
    """Accounts (key, name, hash) and server-wide ban masks, as stored,
    and the SCRAM keys, mailboxes and OpenID bindings of the accounts that
    have some (by key)."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    server_bans: list[str] = field(default_factory=list)
    #: Each ban's terms as the core encoded them, by mask.
    ban_terms: dict[str, str] = field(default_factory=dict)
    #: The lockdown level as the core encoded it ("": never set).
    lockdown: str = ""
    #: When each account was registered (account key → seconds).
    ages: dict[str, float] = field(default_factory=dict)
    #: Each account's ignored names: (account key, name key).
    ignores: list[tuple[str, str]] = field(default_factory=list)
    scram: dict[str, str] = field(default_factory=dict)
    mailboxes: dict[str, str] = field(default_factory=dict)
    #: The OpenID provider's subject each bound account is bound to (by key).
    oidc: dict[str, str] = field(default_factory=dict)
    #: Each account's app passwords as the core encoded them, by key.
    app_passwords: dict[str, str] = field(default_factory=dict)
    #: What makes each bot account one, as the core encoded it, by key.
    bots: dict[str, str] = field(default_factory=dict)
    #: Every invitation as the core encoded it, by its code's hash.
    invitations: dict[str, str] = field(default_factory=dict)
    #: Every sign-in token as (its hash, its account's key, the token as
    #: the core encoded it, until when it is kept).
    sign_in_tokens: list[tuple[str, str, str, float]] = field(default_factory=list)


@dataclass
class LoadedPrivate:
    """Private conversations as stored: each one's messages (oldest first),
    and the messages kept for absent accounts as (account, conversation,
    id), in the order they were kept."""

    conversations: dict[str, list[PrivateRow]] = field(default_factory=dict)
    kept: list[tuple[str, str, int]] = field(default_factory=list)


class Store(Protocol):
    """What the in-process registry tells its store; none of it waits."""

    persistent: bool
    #: Called with {room key: oldest id kept} when events aged out.
    on_trimmed: Callable[[dict[str, int]], None]
    #: Why the store cannot write right now, for users ("the server's disk
    #: is full"); "" while it can. Nothing new may be acknowledged meanwhile.
    problem: str
    #: Called with :attr:`problem` whenever it changes.
    on_health: Callable[[str], None]

    def load(self, keep: int) -> Loaded:
        """Everything stored, with each room's newest ``keep`` events."""
        ...

    def save_room(self, record: RoomRecord) -> None:
        """Insert or update a room's row (not its events)."""

    def drop_room(self, key: str) -> None:
        """A room went: its row and its events."""

    def rename_room(self, key: str, new_key: str, name: str, until: float) -> None:
        """Room ``key`` is room ``new_key``, called ``name``, with its events,
        log, webhooks, pins and the accounts' read markers and settings of
        it; ``key`` leads to it until ``until`` (Unix seconds), as do the
        former names that led to ``key``."""

    def load_renames(self) -> list[tuple[str, str, float]]:
        """Every renamed room's former name (its key), the name it leads to
        and until when (at start-up; some may have run out)."""
        ...

    def load_keys(self, since: float) -> list[tuple[str, str, str, str, str, float]]:
        """The transaction keys done at ``since`` or later (at start-up),
        the oldest first: sender, key, line, target, event id, when
        (:mod:`chatroom.backends.local.transactions`)."""
        ...

    def save_key(
        self, sender: str, key: str, line: str, target: str, event: str, at: float
    ) -> None:
        """A transaction key done, written in the flush that writes the
        event it made (one commit)."""
        ...

    def drop_keys(self, before: float) -> None:
        """The transaction keys done before ``before`` go."""
        ...

    def load_accounts(self) -> LoadedAccounts:
        """Every account and server ban (at start-up)."""
        ...

    def save_account(self, account: Account) -> None:
        """Insert or replace an account."""

    def drop_account(self, key: str) -> None:
        """An account went."""

    def save_server_ban(self, mask: str, banned: bool, terms: str = "") -> None:
        """Add (``banned``, with its ``terms`` as the core encoded them, if
        any) or remove a server-wide ban."""

    def save_lockdown(self, kept: str) -> None:
        """The server's lockdown level is now ``kept`` (the core's encoding)."""

    def save_invitation(self, code: str, kept: str) -> None:
        """The invitation under hash ``code`` is now ``kept`` (the core's
        encoding; "" for gone)."""

    def save_sign_in_token(
        self, token: str, account: str, kept: str, until: float
    ) -> None:
        """The sign-in token under hash ``token``, of account ``account``, is
        now ``kept`` (the core's encoding), until ``until``."""

    def drop_sign_in_token(self, token: str) -> None:
        """The sign-in token under hash ``token`` is gone."""

    def drop_sign_in_tokens(self, account: str) -> None:
        """Every sign-in token of account ``account`` is gone."""

    def save_ignore(self, account: str, name: str, ignored: bool) -> None:
        """Account ``account`` ignores name key ``name`` (``ignored``), or no more."""

    def save_age(self, account: str, at: float) -> None:
        """Account ``account`` was registered at ``at``."""

    def load_markers(self) -> list[tuple[str, str, int]]:
        """Every account's read markers: (account key, room key, id)."""
        ...

    def save_marker(self, account: str, room: str, event_id: int) -> None:
        """An account's read marker in a room is now ``event_id`` (the
        back-end checked the move's premise: :mod:`.markers`)."""

    def load_settings(self) -> list[tuple[str, str, str]]:
        """Every account's settings: (account key, setting key, value)."""
        ...

    def save_setting(self, account: str, key: str, value: str) -> None:
        """An account's setting ``key`` is now ``value``."""

    def drop_setting(self, account: str, key: str) -> None:
        """An account's setting ``key`` is gone."""

    def load_files(self) -> list[FileRecord]:
        """Every uploaded file's metadata (the ``files`` table)."""
        ...

    def save_file(self, record: FileRecord) -> None: ...

    def drop_file(self, file_id: str) -> None: ...

    def load_push(self) -> tuple[str | None, list[tuple[str, Subscription]]]:
        """The VAPID key (None before the first start) and every account's
        push subscriptions: (account key, subscription)."""
        ...

    def save_server_key(self, pem: str) -> None: ...

    def save_push(self, account: str, subscription: Subscription) -> None: ...

    def drop_push(self, endpoint: str) -> None: ...

    def load_account_rooms(self) -> list[tuple[str, str]]:
        """Every account's remembered rooms: (account key, room name)."""
        ...

    def save_account_room(self, account: str, room: str, present: bool) -> None:
        """An account entered (``present``) or left room ``room``."""

    def load_private(self) -> LoadedPrivate:
        """Every private conversation and kept message (at start-up)."""
        ...

    def add_private(self, conversation: str, row: PrivateRow, keep: int) -> None:
        """A private message; the conversation keeps its newest ``keep``."""

    def keep_private(self, account: str, conversation: str, event_id: int) -> None:
        """Message ``event_id`` of ``conversation`` waits for ``account``."""

    def drop_kept(self, account: str) -> None:
        """``account``'s kept messages were delivered."""

    def drop_private(self, conversation: str, event_id: int) -> None:
        """Message ``event_id`` of ``conversation`` was deleted (and with it
        its place among what waits for an account, and in search)."""

    def add_event(self, key: str, row: Row, at: float) -> None:
        """One message or action, stored with the next flush."""

    def age_out(self, oldest: float) -> None:
        """Room events said before ``oldest`` (Unix seconds: the core's
        operand, :attr:`Append.oldest
        <chatroom.core.model.changes.messages.Append.oldest>`) go, of every kind, at the
        next trim by age (the newest handed
        wins; none where memory is all, which keeps ``--retention``)."""

    def words(self, account: str) -> Deferred[list[tuple[str, str, Row]]]:
        """Every stored room event by account key ``account`` and every one
        whose target is one of them: (room key, room name, row), by room
        then id (none where memory is all)."""
        ...

    def replace_event(self, key: str, row: Row | None, was: Row) -> None:
        """The event of room ``key`` that lay as ``was`` now lies as
        ``row``, or is gone (None): a deleted account's, as the core
        decided."""

    def erase_account(self, account: str) -> None:
        """A deleted account and everything of it but its room events, in
        one transaction (chatroom.core.policy.userdata)."""

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        """Room ``key``'s stored events with ids ``first``..``last``."""
        ...

    def change_event(
        self, key: str, target: int, text: str | None, tags: str = ""
    ) -> None:
        """Message ``target`` of room ``key`` now has ``text`` and ``tags``
        (an edit: a multiline message's lines are gone), or is gone with
        the events that depend on it (None: redacted)."""

    def load_reactions(self) -> list[tuple[str, Row]]:
        """Every stored ``REACT`` and ``UNREACT`` (room key, row), in order
        (start-up: who reacted with what)."""
        ...

    def load_modlog(self) -> list[tuple[str, str]]:
        """Every room's moderation log entries (room key, stored line), in
        order."""
        ...

    def add_modlog(self, key: str, line: str) -> None:
        """One entry of room ``key``'s moderation log (the store keeps the
        newest :data:`~chatroom.core.moderation.modlog.MODLOG_KEEP`)."""

    def load_hooks(self) -> list[Hook]:
        """Every room's webhooks (at start-up)."""
        ...

    def save_hook(self, hook: Hook, present: bool) -> None:
        """A webhook was added (``present``) or removed (a room's go with
        it: :meth:`drop_room`)."""

    def load_commands(self) -> list[tuple[str, str, SlashCommand]]:
        """Every room's slash commands (at start-up): (room key, command
        key, the command)."""
        ...

    def save_command(self, room: str, key: str, command: SlashCommand | None) -> None:
        """Room ``room``'s slash command ``key`` was added (``command``) or
        removed (None; a room's go with it: :meth:`drop_room`)."""

    def load_bridge_notes(self, now: float) -> list[tuple[str, str, str, float]]:
        """The Matrix bridge's notes (book, key, value, until: 0 for ever)
        not past their time at ``now``, at start-up
        (:mod:`chatroom.backends.local.bridge`)."""
        ...

    def save_bridge_note(self, book: str, key: str, value: str, until: float) -> None:
        """One note of the Matrix bridge (those past their time go at the
        next start-up)."""

    def load_pins(self) -> list[tuple[str, int, str]]:
        """Every room's pins: (room key, message id, who pinned it)."""
        ...

    def save_pin(self, room: str, event_id: int, by: str, pinned: bool) -> None:
        """Message ``event_id`` of room ``room`` was pinned by ``by``, or
        unpinned (a room's go with it: :meth:`drop_room`)."""

    def load_reports(self) -> list[tuple[int, str, bool, str]]:
        """Every report of a message: (number, what it was filed under,
        open, the report as the core encoded it)."""
        ...

    def save_report(self, number: int, filed: str, is_open: bool, kept: str) -> None:
        """Report ``number`` is now ``kept``, open or closed (``filed``:
        what it was filed under, "" when closing: kept as it was)."""

    def search(
        self, keys: list[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        """Up to ``limit`` messages of rooms ``keys`` and of the private
        conversations ``query`` names matching ``query``, newest first
        (:mod:`chatroom.backends.local.search`)."""
        ...

    def backup(self, path: str) -> Deferred[None]:
        """A consistent copy of the file at ``path`` (a new file), made by
        the writer after what is pending; ``NOT_SUPPORTED`` without a file."""
        ...

    def close(self) -> Deferred[None]:
        """Write what is pending and let go of the file."""
        ...


class MemoryStore:
    """``--db :memory:``: nothing is kept beyond what the rooms hold, and
    the search index of each room's newest ``retention`` messages (an
    in-memory SQLite database, gone with the process)."""

    persistent = False
    problem = ""

    def __init__(self, retention: int = 10_000, run: Runner | None = None) -> None:
        """``run``: the index's thread
        (:class:`~chatroom.backends.local.search_memory.MemoryIndex`)."""
        self.index = MemoryIndex(retention, run)
        self.on_trimmed: Callable[[dict[str, int]], None] = lambda firsts: None
        self.on_health: Callable[[str], None] = lambda problem: None

    def load(self, keep: int) -> Loaded:
        return Loaded()

    def save_room(self, record: RoomRecord) -> None:
        pass

    def drop_room(self, key: str) -> None:
        self.index.drop(key)

    def rename_room(self, key: str, new_key: str, name: str, until: float) -> None:
        if new_key != key:
            self.index.rename(key, new_key)

    def load_renames(self) -> list[tuple[str, str, float]]:
        return []

    def load_keys(self, since: float) -> list[tuple[str, str, str, str, str, float]]:
        return []

    def save_key(
        self, sender: str, key: str, line: str, target: str, event: str, at: float
    ) -> None:
        pass

    def drop_keys(self, before: float) -> None:
        pass

    def load_accounts(self) -> LoadedAccounts:
        return LoadedAccounts()

    def save_account(self, account: Account) -> None:
        pass

    def drop_account(self, key: str) -> None:
        pass

    def save_server_ban(self, mask: str, banned: bool, terms: str = "") -> None:
        pass

    def save_lockdown(self, kept: str) -> None:
        pass

    def save_invitation(self, code: str, kept: str) -> None:
        pass

    def save_sign_in_token(
        self, token: str, account: str, kept: str, until: float
    ) -> None:
        pass

    def drop_sign_in_token(self, token: str) -> None:
        pass

    def drop_sign_in_tokens(self, account: str) -> None:
        pass

    def save_ignore(self, account: str, name: str, ignored: bool) -> None:
        pass

    def save_age(self, account: str, at: float) -> None:
        pass

    def load_markers(self) -> list[tuple[str, str, int]]:
        return []

    def save_marker(self, account: str, room: str, event_id: int) -> None:
        pass

    def load_settings(self) -> list[tuple[str, str, str]]:
        return []

    def save_setting(self, account: str, key: str, value: str) -> None:
        pass

    def drop_setting(self, account: str, key: str) -> None:
        pass

    def load_files(self) -> list[FileRecord]:
        return []

    def save_file(self, record: FileRecord) -> None:
        pass

    def drop_file(self, file_id: str) -> None:
        pass

    def load_push(self) -> tuple[str | None, list[tuple[str, Subscription]]]:
        return None, []

    def save_server_key(self, pem: str) -> None:
        pass

    def save_push(self, account: str, subscription: Subscription) -> None:
        pass

    def drop_push(self, endpoint: str) -> None:
        pass

    def load_account_rooms(self) -> list[tuple[str, str]]:
        return []

    def save_account_room(self, account: str, room: str, present: bool) -> None:
        pass

    def load_private(self) -> LoadedPrivate:
        return LoadedPrivate()

    def add_private(self, conversation: str, row: PrivateRow, keep: int) -> None:
        self.index.add_private(conversation, row, keep)

    def keep_private(self, account: str, conversation: str, event_id: int) -> None:
        pass

    def drop_kept(self, account: str) -> None:
        pass

    def drop_private(self, conversation: str, event_id: int) -> None:
        self.index.drop_private(conversation, event_id)

    def words(self, account: str) -> Deferred[list[tuple[str, str, Row]]]:
        return defer.succeed([])

    def replace_event(self, key: str, row: Row | None, was: Row) -> None:
        self.index.replace(key, row, was)

    def erase_account(self, account: str) -> None:
        pass

    def add_event(self, key: str, row: Row, at: float) -> None:
        self.index.add(key, row, at)

    def age_out(self, oldest: float) -> None:
        pass

    def read(self, key: str, first: int, last: int) -> Deferred[list[Row]]:
        return defer.succeed([])

    def change_event(
        self, key: str, target: int, text: str | None, tags: str = ""
    ) -> None:
        self.index.change(key, target, text)  # the index keeps no tags

    def search(
        self, keys: list[str], query: SearchQuery, limit: int
    ) -> Deferred[list[Found]]:
        return self.index.search(keys, query, limit)

    def load_reactions(self) -> list[tuple[str, Row]]:
        return []

    def load_modlog(self) -> list[tuple[str, str]]:
        return []

    def add_modlog(self, key: str, line: str) -> None:
        pass

    def load_hooks(self) -> list[Hook]:
        return []

    def save_hook(self, hook: Hook, present: bool) -> None:
        pass

    def load_commands(self) -> list[tuple[str, str, SlashCommand]]:
        return []

    def save_command(self, room: str, key: str, command: SlashCommand | None) -> None:
        pass

    def load_bridge_notes(self, now: float) -> list[tuple[str, str, str, float]]:
        return []

    def save_bridge_note(self, book: str, key: str, value: str, until: float) -> None:
        pass

    def load_pins(self) -> list[tuple[str, int, str]]:
        return []

    def save_pin(self, room: str, event_id: int, by: str, pinned: bool) -> None:
        pass

    def load_reports(self) -> list[tuple[int, str, bool, str]]:
        return []

    def save_report(self, number: int, filed: str, is_open: bool, kept: str) -> None:
        pass

    def backup(self, path: str) -> Deferred[None]:
        return defer.fail(errors.cannot_back_up("--db :memory: keeps nothing"))

    def close(self) -> Deferred[None]:
        return self.index.close()
