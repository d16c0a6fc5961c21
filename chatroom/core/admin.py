"""Server admins and server bans: who may ``/kill``, ``/gban``,
``/announce``, ``/rehash`` and IRC's ``WALLOPS``, and which masks a name's
claim must not match.

Plain functions over an :class:`~chatroom.core.moderation.Actor`, decided
once for both back-ends for :class:`chatroom.core.chat.ChatCore`: the
checks, and the three commands run on a back-end's steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from twisted.logger import Logger

from chatroom.core import errors
from chatroom.core.backend import Backend
from chatroom.core.events import Announcement, Wallops
from chatroom.core.moderation import (
    Actor,
    Target,
    account_mask,
    ban_mask,
    name_mask,
)
from chatroom.core.rules import NO_REASON, check_text, reason
from chatroom.core.settingvalues import parse_mask

log = Logger()

#: What reloads this node's configuration (the wiring's): says what it
#: did, or raises ``REHASH_FAILED`` saying why not.
Reload = Callable[[], str]


def check_admin(actor: Actor, command: str) -> None:
    if not actor.admin:
        raise errors.admins_only(command)


def announcement(actor: Actor, text: str) -> Announcement:
    """``/announce TEXT``: what every named member is shown, if ``actor``
    may announce at all."""
    check_admin(actor, "announce")
    check_text(text)
    return Announcement(actor.name, text)


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


class Killed(NamedTuple):
    """Whom a ``/kill`` ended, as their name was, and the reason given."""

    name: str
    reason: str


async def kill(backend: Backend, actor: Actor, target: str, words: str) -> Killed:
    """``/kill USER REASON``: the user's session ends, whatever its node;
    its rooms hear ``killed by ADMIN: REASON`` (:func:`reason`)."""
    check_admin(actor, "kill")
    said = reason(words, NO_REASON)
    name = await backend.end_user(target, f"killed by {actor.name}: {said}")
    log.info("{admin} killed {user}", admin=actor.name, user=name)
    return Killed(name, said)


async def server_ban(
    backend: Backend, actor: Actor, target: str, banned: bool, why: str = ""
) -> str:
    """``/gban`` (``banned``) or ``/gunban``: the mask changed, or a refusal
    when it was already so. The sessions a ban ends are told ``why``
    (:func:`reason`), else ``banned from this server by ADMIN``."""
    check_admin(actor, "gban" if banned else "gunban")
    found: Target | None = None
    if not target.startswith(("account:", "name:")):
        found = await backend.find_user(target)
    mask = server_ban_mask(target, found)
    if banned:
        told = reason(why, f"banned from this server by {actor.name}")
        changed = await backend.ban_from_server(mask, told)
    else:
        changed = await backend.unban_from_server(mask)
    if not changed:
        raise errors.server_ban_unchanged(mask, banned)
    return mask


def rehash(actor: Actor, reload: Reload | None) -> str:
    """``/rehash`` (IRC's ``REHASH``): this node's configuration read again
    by ``reload``, if ``actor`` may; what it did.

    Raises:
        ChatError: ``NOT_ALLOWED`` (not an admin), ``REHASH_FAILED`` (a
            mistake in the configuration, or none to reload: a server not
            built from options).
    """
    check_admin(actor, "rehash")
    if reload is None:
        raise errors.rehash_failed("this server has no configuration to reload")
    return reload()


async def announce(backend: Backend, actor: Actor, text: str) -> None:
    """``/announce TEXT`` to every named member, on every node."""
    await backend.tell_everyone(announcement(actor, text))


async def wallops(backend: Backend, actor: Actor, text: str) -> None:
    """IRC's ``WALLOPS TEXT`` to every named member, on every node (shown by
    those who asked for them: IRC's ``+w``)."""
    check_admin(actor, "wallops")
    check_text(text)
    await backend.tell_everyone(Wallops(actor.name, text))
