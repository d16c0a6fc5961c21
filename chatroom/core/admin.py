"""Server admins and server bans: who may ``/kill``, ``/gban`` and
``/announce``, and which masks a name's claim must not match.

Plain functions over an :class:`~chatroom.core.moderation.Actor`, decided
once for both back-ends by :class:`chatroom.core.chat.ChatCore`.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.core.events import Event
from chatroom.core.moderation import (
    Actor,
    Target,
    account_mask,
    ban_mask,
    name_mask,
    parse_mask,
)
from chatroom.core.rules import check_text


def check_admin(actor: Actor, command: str) -> None:
    if not actor.admin:
        raise errors.admins_only(command)


def announcement(actor: Actor, text: str) -> Event:
    """``/announce TEXT``: what every named member is shown, if ``actor``
    may announce at all."""
    check_admin(actor, "announce")
    check_text(text)
    return Event("ANNOUNCE", (actor.name,), text)


def server_ban_mask(text: str, target: Target | None) -> str:
    """What ``/gban`` bans: a mask as typed, else the user by account or name."""
    if text.startswith(("account:", "name:")):
        return parse_mask(text)
    return ban_mask(target or Target(text))


def claim_masks(key: str, account: str) -> list[str]:
    """The server-ban masks a user taking name ``key`` must not match."""
    masks = [name_mask(key)]
    if account:
        masks.append(account_mask(account))
    return masks
