"""A user's own data: whose it is, what a back-end reads of it for
``/export`` and what becomes of it with ``/delete-account``.

The rules, once, for both back-ends; a back-end only reads and stores
(:class:`UserDataSteps`, one atomic step each: a SQLite transaction, a
Redis script). The commands themselves are :mod:`chatroom.core.exporting`
(``/export``) and :func:`chatroom.core.registering.delete_account`.

**Whose data.** An account's room messages are the stored events it
authored: those whose author (``user``, a redaction's ``by``) is the
account's name under :func:`~chatroom.core.model.text.name_key` (:func:`authored`).
A registered name is its account's only, so this is the account's own
words from registration on (and a plain name's of the same name before it
was registered). Its private conversations are the kept conversations it
is a side of (a conversation's key names both sides' account keys).

**What a deletion takes.** First the account's room messages, decided
here once for both back-ends (:func:`erasure`): the core reads, room by
room, the stored events the account authored and those that name one of
them as their target (:meth:`UserDataSteps.words`), and hands each room's
back-end one :class:`~chatroom.core.model.changes.base.DecidedChange` through
:meth:`~chatroom.core.backend.Backend.apply`: every event rewritten or
removed (:class:`~chatroom.core.model.changes.messages.ReplaceEvent`), each resting on
the event as read (:class:`~chatroom.core.model.changes.messages.EventIs`). They are
anonymised (their author becomes :data:`DELETED_USER`, their text and ids
stay, so a room's history keeps its shape) or removed with the edits and
reactions that depend on them (their ids stay unused), as ``--on-delete``
says (:func:`erased`). A room whose events changed between the read and
the apply (the user edited a message on another device) applies nothing,
and the core reads and decides again. Then one back-end step
(:func:`erased_account`) removes the account, its read markers, its
remembered rooms, the messages kept for it, its private conversations
(the one copy both sides read: the other side keeps only what its
clients showed) and the kept messages it sent to others: records with no
rule to decide, gone whole.

Its push subscriptions go right after, in their store's own step
(:func:`~chatroom.core.accounts.push.dropped`); its uploaded files
stay, removed as any file is, by their uploader or a server admin.

**Its devices' late writes.** Every device signed in to the account is
ended after the erasure, on every node, and its words are erased once
more (:func:`chatroom.core.registering.delete_account`). A device on
another node may still have had a write of the account's own records under
way, decided before its node heard of the end: its read markers, settings,
remembered rooms and ignore list are kept only for an account still
registered, so such a write, come after the erasure, keeps nothing, on
both back-ends. So it is for what another node was keeping for it: a
private message waiting for it, a push subscription, an upload token
each rest on the account being
:class:`~chatroom.core.model.changes.accounts.Registered`, and are refused once it is
not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from chatroom.core.model.changes.accounts import AccountHoldings, EraseAccount
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.files import (
    DropExport,
    ExportKept,
    KeepExport,
    KeptExport,
)
from chatroom.core.model.changes.messages import EventIs, ReplaceEvent, RoomMessages
from chatroom.core.model.events import (
    PrivateEvent,
    Redacted,
    StoredEvent,
    TagMessage,
    depends_on,
)
from chatroom.core.model.text import name_key

#: The author of an anonymised message: a name nobody can ever hold
#: (:func:`chatroom.core.policy.rules.check_name` reserves it).
DELETED_USER = "deleted-user"

#: ``--on-delete``: what becomes of a deleted account's room messages.
ANONYMISE, REMOVE = "anonymise", "remove"
ON_DELETE = (ANONYMISE, REMOVE)

#: Seconds an export's link works (once).
EXPORT_TTL = 600.0


@dataclass
class AccountData:
    """What a back-end holds of one account, read for ``/export``."""

    #: (room name, event) for every stored room event it authored, by room
    #: then id.
    said: list[tuple[str, StoredEvent]] = field(default_factory=list)
    #: The other side (an account key, or ``~name``) → the messages kept.
    conversations: dict[str, list[PrivateEvent]] = field(default_factory=dict)
    #: Room key → the id of the newest event it read.
    markers: dict[str, int] = field(default_factory=dict)
    #: The rooms it is brought back into at sign-in, oldest first.
    remembered: list[str] = field(default_factory=list)
    #: The rooms it owns now.
    owned: list[str] = field(default_factory=list)
    #: Its settings (:mod:`chatroom.core.accounts.account_settings`): threads
    #: followed, notification levels.
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomWords:
    """What a deletion of an account is decided on in one room (its name
    key): the stored events the account authored there and those whose
    target is one of them, by id, as read."""

    room: str
    events: tuple[StoredEvent, ...]


class UserDataSteps(Protocol):
    """A back-end's reads of a user's own data; what a deletion erases goes
    by changes (:func:`erasure`, :func:`erased_account`) and an export is
    kept by one (:func:`kept_export`), through
    :meth:`~chatroom.core.backend.Backend.apply`."""

    async def gather(self, account: str) -> AccountData:
        """Everything kept of account key ``account`` (:class:`AccountData`)."""
        ...

    async def words(self, account: str) -> list[RoomWords]:
        """Every room's stored events by account key ``account``, and
        those that target one of them (:class:`RoomWords`): what its
        room messages' erasure is decided on."""
        ...

    async def export(self, token: str) -> tuple[bytes, float] | None:
        """The archive kept under ``token`` and until when (clock seconds);
        None if there is none. It is kept, and taken, by a change of a
        :class:`~chatroom.core.model.changes.files.KeptExport` (:func:`kept_export`,
        :func:`taken_export`)."""
        ...


def erased_account(account: str) -> DecidedChange:
    """The change that erases account key ``account`` and everything of it
    but its room messages, once their erasure is applied."""
    return DecidedChange(AccountHoldings(account), (), (EraseAccount(),))


def kept_export(token: str, archive: bytes, until: float) -> DecidedChange:
    """The change that keeps ``archive`` under ``token`` until ``until``."""
    return DecidedChange(KeptExport(token), (), (KeepExport(archive, until),))


def taken_export(token: str) -> DecidedChange:
    """The change that takes the export under ``token`` away, once: it
    rests on the export being still kept."""
    return DecidedChange(KeptExport(token), (ExportKept(),), (DropExport(),))


def author(event: StoredEvent) -> str:
    """Who a stored event is by (a redaction: who redacted)."""
    return event.by if isinstance(event, Redacted) else event.user


def authored(event: StoredEvent, account: str) -> bool:
    """Whether ``event`` is by the account whose key is ``account``."""
    return name_key(author(event)) == account


def erased(event: StoredEvent, how: str) -> StoredEvent | None:
    """What a deleted account's stored event becomes: anonymised (its
    author :data:`DELETED_USER`, with no account, all else kept), or None:
    removed."""
    if how == REMOVE:
        return None
    if isinstance(event, Redacted):
        return replace(event, by=DELETED_USER, account="")
    if isinstance(event, TagMessage):
        return replace(event, user=DELETED_USER)
    return replace(event, user=DELETED_USER, account="")


def erasure(account: str, how: str, words: RoomWords) -> DecidedChange | None:
    """What becomes of account key ``account``'s words in one room, as
    ``how`` (``--on-delete``) says: each event it authored as
    :func:`erased` makes it and, where its message is removed, the edits
    and reactions that depend on it removed too; each resting on the event
    as read. None: nothing of the account's is left there."""
    premises: list[EventIs] = []
    ops: list[ReplaceEvent] = []
    removed: set[str] = set()
    for event in words.events:
        if authored(event, account):
            replacement = erased(event, how)
            if replacement is None:
                removed.add(event.id)
            premises.append(EventIs(event))
            ops.append(ReplaceEvent(event.id, replacement))
    for event in words.events:
        dependent = any(depends_on(event, target) for target in removed)
        if dependent and not authored(event, account):
            premises.append(EventIs(event))
            ops.append(ReplaceEvent(event.id, None))
    if not ops:
        return None
    return DecidedChange(RoomMessages(words.room), tuple(premises), tuple(ops))


def other_side(conversation: str, account: str) -> str | None:
    """The other side of ``conversation`` if ``account`` is one of its
    sides (a conversation with oneself: oneself), else None."""
    sides = conversation.split(" ")
    if account not in sides:
        return None
    others = [side for side in sides if side != account]
    return others[0] if others else account
