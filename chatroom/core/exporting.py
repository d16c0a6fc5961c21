"""``/export``: a user's own data as one JSON archive behind a one-time link.

What is exported is the account's (:mod:`chatroom.core.policy.userdata`, *Whose
data*): its room messages, its private conversations, its read markers,
its remembered and owned rooms, its profile, the account's name, its e-mail address
(verified or pending) and its app passwords' labels, never its password
hash, SCRAM keys, codes or an app password's hash, in
one JSON document built off the reactor (:func:`archive_bytes` runs on
the account service's thread pool). It is kept under a secret token for
:data:`~chatroom.core.policy.userdata.EXPORT_TTL` seconds of the injected clock
(in Redis for a cluster, so any node's HTTP door serves it) and handed out
once (:meth:`~chatroom.core.services.users.UserService.take_export`).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from chatroom.core.accounts.account_settings import NOTIFY, of_kind
from chatroom.core.accounts.accounts import Account
from chatroom.core.accounts.missed_mail import mailed_missed
from chatroom.core.accounts.oidc import provider_subject
from chatroom.core.accounts.profiles import profile_in
from chatroom.core.accounts.thread_follows import follows_of
from chatroom.core.infra.hashing import Runner
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import app_passwords_of, mailbox_of
from chatroom.core.model.events import (
    Edited,
    Message,
    PrivateEvent,
    PrivateMessage,
    Reaction,
    StoredEvent,
    TagMessage,
    TopicChanged,
)
from chatroom.core.model.member import Member
from chatroom.core.policy.userdata import AccountData
from chatroom.core.registry import Registry
from chatroom.core.services.accounts import AccountService
from chatroom.wire.lines import format_time
from chatroom.wire.tags import format_tags

#: Where the HTTP door serves exports: ``/export/<token>``.
EXPORT_PATH = "/export/"

#: The archive's format, for readers: bumped when its shape changes.
ARCHIVE_VERSION = 1


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
    """The export of ``account`` as a JSON-ready object: its name, its
    e-mail address, the OpenID provider's subject it is bound to and its
    app passwords' labels, never its password hash, SCRAM keys, mailed codes
    or app passwords."""
    mailbox = mailbox_of(account)
    email = (
        {"address": mailbox.address, "verified": mailbox.verified}
        if mailbox.address
        else None
    )
    return {
        "format": "chatroom-export",
        "version": ARCHIVE_VERSION,
        "exported_at": now,
        # The server keeps no per-account settings or creation time beyond
        # these: read markers and remembered rooms are the account's state.
        "account": {
            "name": account.name,
            "key": account.key,
            "email": email,
            "provider": provider_subject(account.oidc),
            "app_passwords": [
                {"label": kept.label, "made": format_time(kept.made)}
                for kept in app_passwords_of(account)
            ],
        },
        "rooms": {"owned": data.owned, "remembered": data.remembered},
        "read_markers": data.markers,
        "threads": [
            {"room": room, "root": int(root), "following": following}
            for thread, following in sorted(follows_of(data.settings).items())
            for room, _, root in [thread.partition(" ")]
        ],
        "notify_levels": of_kind(data.settings, NOTIFY),
        "missed_mail": "on" if mailed_missed(data.settings) else "off",
        "profile": profile_in(data.settings),
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
    account_key = registry.sessions.account_of(member)
    if not account_key:
        raise errors.not_signed_in()
    export_link(base_url, "")  # refuse before reading anything
    account = await accounts.store.get(account_key)
    if account is None:
        raise errors.not_signed_in()
    data = await registry.users.gather_user_data(account_key)
    archived = await run(lambda: archive_bytes(account, data, now))
    token = new_token()
    await registry.users.keep_export(token, archived)
    return export_link(base_url, token)
