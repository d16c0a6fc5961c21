"""A user's own data: ``/export`` and ``/delete-account`` (issue 34, item 5).

The rules, once, for both back-ends; a back-end only reads and stores
(:class:`UserDataSteps`, one atomic step each: a SQLite transaction, a
Redis script).

**Whose data.** An account's room messages are the stored events it
authored: those whose author (``user``, a redaction's ``by``) is the
account's name under :func:`~chatroom.core.text.name_key` (:func:`authored`).
A registered name is its account's only, so this is the account's own
words from registration on (and a plain name's of the same name before it
was registered). Its private conversations are the kept conversations it
is a side of (a conversation's key names both sides' account keys).

**/export** (:func:`export_archive`) gathers those, its read markers, its
remembered and owned rooms and the account's name, never its password
hash or SCRAM keys, into one JSON document built off the reactor
(:func:`archive_bytes` runs on the account service's thread pool). It is
kept under a secret token for :data:`EXPORT_TTL` seconds of the injected
clock (in Redis for a cluster, so any node's HTTP door serves it) and
handed out once (:meth:`UserDataSteps.take_export`).

**/delete-account PASSWORD** (:func:`delete_account`): the password is
checked as a sign-in checks it (Argon2id, on the hashing threads,
throttled); then one back-end step removes the account, its read markers,
its remembered rooms, the messages kept for it, its private conversations
(the one copy both sides read: the other side keeps only what its
clients showed) and the kept messages it sent to others; and its room
messages are anonymised (their author becomes :data:`DELETED_USER`, their
text and ids stay, so a room's history keeps its shape) or removed (their
ids stay unused), as ``--on-delete`` says (:func:`erased`). Every device
of the account is then disconnected and the name is free again.

Push subscriptions and uploaded files do not exist yet: when they do,
their removal joins the one step (:meth:`UserDataSteps.erase`), and their
listing joins :class:`AccountData`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from chatroom.core import errors
from chatroom.core.events import (
    Edited,
    Message,
    PrivateEvent,
    PrivateMessage,
    Reaction,
    Redacted,
    StoredEvent,
    TagMessage,
    TopicChanged,
)
from chatroom.core.text import name_key
from chatroom.wire.tags import format_tags

if TYPE_CHECKING:  # to avoid circular imports (the registry imports this module)
    from chatroom.core.accounts import Account, AccountService
    from chatroom.core.hashing import Runner
    from chatroom.core.member import Member
    from chatroom.core.registry import Registry

#: The author of an anonymised message: a name nobody can ever hold
#: (:func:`chatroom.core.rules.check_name` reserves it).
DELETED_USER = "deleted-user"

#: ``--on-delete``: what becomes of a deleted account's room messages.
ANONYMISE, REMOVE = "anonymise", "remove"
ON_DELETE = (ANONYMISE, REMOVE)

#: Seconds an export's link works (once).
EXPORT_TTL = 600.0

#: Where the HTTP door serves exports: ``/export/<token>``.
EXPORT_PATH = "/export/"

#: The archive's format, for readers: bumped when its shape changes.
ARCHIVE_VERSION = 1


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


class UserDataSteps(Protocol):
    """A back-end's reads and stores for a user's own data."""

    async def gather(self, account: str) -> AccountData:
        """Everything kept of account key ``account`` (:class:`AccountData`)."""
        ...

    async def erase(self, account: str, how: str) -> None:
        """In one atomic step: the account and everything of it (see the
        module's docstring), its room messages as ``how`` (:func:`erased`)."""
        ...

    async def keep_export(self, token: str, archive: bytes, until: float) -> None:
        """Keep ``archive`` under ``token`` until ``until`` (clock seconds)."""
        ...

    async def take_export(self, token: str, now: float) -> bytes | None:
        """The archive under ``token``, gone from then on; None if there is
        none or its time (as of ``now``) is over."""
        ...


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


def other_side(conversation: str, account: str) -> str | None:
    """The other side of ``conversation`` if ``account`` is one of its
    sides (a conversation with oneself: oneself), else None."""
    sides = conversation.split(" ")
    if account not in sides:
        return None
    others = [side for side in sides if side != account]
    return others[0] if others else account


def new_token() -> str:
    """A secret for an export's link: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _event_record(room: str, event: StoredEvent) -> dict[str, Any]:
    record: dict[str, Any] = {"room": room, "id": int(event.id or 0)}
    if isinstance(event, Message):
        kind = "action" if event.action else "message"
        record.update(kind=kind, time=event.time, text=event.text)
        if event.tags:
            record["tags"] = format_tags(event.tags)
    elif isinstance(event, TopicChanged):
        record.update(kind="topic", time=event.time, text=event.text)
    elif isinstance(event, TagMessage):
        record.update(kind="tags", time=event.time, tags=format_tags(event.tags))
    elif isinstance(event, Edited):
        record.update(
            kind="edit", time=event.time, text=event.text, target=int(event.target)
        )
    elif isinstance(event, Reaction):
        kind = "reaction" if event.adding else "unreaction"
        record.update(kind=kind, text=event.reaction, target=int(event.target))
    else:
        record.update(kind="redaction", text=event.reason, target=int(event.target))
    return record


def _private_record(event: PrivateEvent) -> dict[str, Any]:
    record = {
        "id": int(event.id or 0),
        "from": event.sender,
        "to": event.recipient,
        "time": event.time,
    }
    if isinstance(event, PrivateMessage):
        return {**record, "text": event.text}
    return {**record, "tags": format_tags(event.tags)}


def archive(account: Account, data: AccountData, now: str) -> dict[str, Any]:
    """The export of ``account`` as a JSON-ready object: its name, never
    its password hash or SCRAM keys."""
    return {
        "format": "chatroom-export",
        "version": ARCHIVE_VERSION,
        "exported_at": now,
        # The server keeps no per-account settings or creation time beyond
        # these: read markers and remembered rooms are the account's state.
        "account": {"name": account.name, "key": account.key},
        "rooms": {"owned": data.owned, "remembered": data.remembered},
        "read_markers": data.markers,
        "room_messages": [_event_record(room, event) for room, event in data.said],
        "private_conversations": [
            {"with": other, "messages": [_private_record(e) for e in messages]}
            for other, messages in sorted(data.conversations.items())
        ],
    }


def archive_bytes(account: Account, data: AccountData, now: str) -> bytes:
    """The archive as UTF-8 JSON (run off the reactor: it may be large)."""
    return json.dumps(archive(account, data, now), ensure_ascii=False).encode()


def export_link(base_url: str, token: str) -> str:
    """The link an ``EXPORT`` answer gives, at the HTTP door ``base_url``.

    Raises:
        ChatError: ``NOT_ALLOWED`` when no HTTP door is served (``--http``).
    """
    if not base_url:
        raise errors.exports_need_http()
    return f"{base_url.rstrip('/')}{EXPORT_PATH}{token}"


async def export_archive(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    base_url: str,
    now: str,
    run: Runner,
) -> str:
    """``/export``: the link to a one-time archive of the member's account,
    its JSON made by ``run`` (off the reactor thread; it may be large).

    Raises:
        ChatError: ``NOT_ALLOWED`` (not signed in, or no ``--http``).
    """
    account_key = registry.account_of(member)
    if not account_key:
        raise errors.not_signed_in()
    export_link(base_url, "")  # refuse before reading anything
    account = await accounts.store.get(account_key)
    if account is None:
        raise errors.not_signed_in()
    data = await registry.gather_user_data(account_key)
    archived = await run(lambda: archive_bytes(account, data, now))
    token = new_token()
    await registry.keep_export(token, archived)
    return export_link(base_url, token)


async def delete_account(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
    deleted: Callable[[Account], None],
) -> Account:
    """``/delete-account PASSWORD``: the member's account and its data go
    (see the module's docstring); ``deleted`` is called once they have
    (the door's ``ACCOUNT_DELETED``), then every device of the account is
    disconnected.

    Raises:
        ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_PASSWORD``,
            ``RATE_LIMITED``; nothing is changed then.
    """
    account_key = registry.account_of(member)
    account = await accounts.check_own_password(account_key, password, address)
    await registry.erase_account(member, account_key)
    accounts.log.info("{name} deleted their account", name=account.name)
    deleted(account)
    await registry.end_account(member, f"account {account.name} deleted")
    # Once more, now that no device is left: in a cluster, another device
    # may have spoken between the erasure's read and its write.
    await registry.erase_account(member, account_key)
    return account
