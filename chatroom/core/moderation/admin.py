"""Server admins and server bans: who may ``/kill``, ``/gban``,
``/announce``, ``/rehash`` and IRC's ``WALLOPS``, and which masks a name's
claim must not match.

Plain functions over an :class:`~chatroom.core.policy.moderation.Actor`, decided
once for both back-ends for :class:`chatroom.core.chat.ChatCore`: the
checks, and the three commands run on a back-end's steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from twisted.logger import Logger

from chatroom.core.infra.retrying import retried
from chatroom.core.model import errors
from chatroom.core.model.changes.base import Apply, Premise
from chatroom.core.model.changes.moderation import (
    Banned,
    NameRegistered,
    sessions_ended,
)
from chatroom.core.model.events import Announcement, Wallops
from chatroom.core.model.facts import ClaimFacts, Target
from chatroom.core.model.text import account_mask, name_mask
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry, recording
from chatroom.core.policy.moderation import Actor
from chatroom.core.policy.rules import NO_REASON, check_text, reason
from chatroom.core.server.bus import Bus

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


def claim_masks(key: str, account: str) -> list[str]:
    """The server-ban masks a user taking name ``key`` must not match."""
    masks = [name_mask(key)]
    if account:
        masks.append(account_mask(account))
    return masks


def claimed_on(facts: ClaimFacts, key: str, account: str) -> tuple[Premise, ...]:
    """What a claim of name ``key`` by a user signed in to ``account`` (""
    for none), decided on ``facts``, rests on: the name being nobody's
    account, unless it is the user's own, and none of its masks banned
    (:func:`claim_masks`)."""
    registered = () if account == key else (NameRegistered(key, facts.registered),)
    return registered + tuple(
        Banned(mask, facts.banned) for mask in claim_masks(key, account)
    )


class Killed(NamedTuple):
    """Whom a ``/kill`` ended, as their name was, and the reason given."""

    name: str
    reason: str


async def kill(
    find_user: Callable[[str], Awaitable[Target | None]],
    apply: Apply,
    actor: Actor,
    target: str,
    words: str,
    stamp: str,
) -> Killed:
    """``/kill USER REASON``: the user's session ends, whatever its node;
    its rooms hear ``killed by ADMIN: REASON`` (:func:`reason`); the
    server's moderation log records it, stamped ``stamp``, in the same
    step (under the name the user goes by, as read first)."""
    check_admin(actor, "kill")
    said = reason(words, NO_REASON)

    async def attempt() -> str:
        found = await find_user(target)
        if found is None or not found.online:
            raise errors.no_such_user(target)
        entry = ModEntry(stamp, actor.name, ModAction.KILL, found.name, said)
        told = f"killed by {actor.name}: {said}"
        logged = recording(SERVER_LOG, [entry])
        await apply(sessions_ended("", found.key, told, logged, found.session))
        return found.name

    name = await retried(attempt)  # gone meanwhile: NO_SUCH_USER, read again
    log.info("{admin} killed {user}", admin=actor.name, user=name)
    return Killed(name, said)


async def kill_account(
    apply: Apply, actor: Actor, account: str, name: str, words: str, stamp: str
) -> Killed:
    """:func:`kill` of every session signed in to account key ``account``
    (named ``name``), whatever name it took with ``/nick``, on every node:
    an operator's deletion of the account. Nobody connected is no
    refusal: there is nothing to end (the log records it all the same)."""
    check_admin(actor, "kill")
    said = reason(words, NO_REASON)
    entry = ModEntry(stamp, actor.name, ModAction.KILL, name, said)
    told = f"killed by {actor.name}: {said}"
    await apply(sessions_ended(account, "", told, recording(SERVER_LOG, [entry])))
    log.info("{admin} killed {user}'s devices", admin=actor.name, user=name)
    return Killed(name, said)


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


async def wallops(bus: Bus, actor: Actor, text: str) -> None:
    """IRC's ``WALLOPS TEXT`` to every named member, on every node (shown by
    those who asked for them: IRC's ``+w``)."""
    check_admin(actor, "wallops")
    check_text(text)
    await bus.tell_everyone(Wallops(actor.name, text))
