"""Ignore lists: a user stops hearing someone, on every device.

``/ignore NAME`` (IRC's ``SILENCE +NAME``) keeps NAME's key in the
account's ignore list, in the store, so it holds across restarts and on
every node. From then on nothing NAME says reaches any device of the
account: room messages and actions, edits, typing notices, reactions,
tags-only messages, private messages (not kept for it either, nor pushed),
invitations, and so no mention of it. The sender is not told: its private
message is answered as if delivered.

What is never ignored is what someone does as an admin or a room's
moderator: announcements, kicks, bans, mode changes, a room's notices and
its operators' messages (``/opmsg``) carry no ignorable sender.

Ignore lists are an account's (a plain name has none to keep). The list
goes with each of the account's seats, on every node
(:meth:`chatroom.core.infra.sessions.Sessions.ignoring_changed`), and the
seat leaves out what comes from those it names
(:meth:`chatroom.core.infra.seats.Seat.deliver_each`), from the history a
join replays (:func:`replayed`), and from the history asked for
(``/history``, IRC's ``CHATHISTORY``: :func:`heard_pages`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol, TypeVar

from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, Operation
from chatroom.core.model.changes.settings import AccountIgnores, Ignore, Unignore
from chatroom.core.model.events import (
    Edited,
    Event,
    Invited,
    Message,
    PrivateEvent,
    PrivateMessage,
    PrivateTagMessage,
    Reaction,
    StoredEvent,
    TagMessage,
    Typing,
    Welcome,
)
from chatroom.core.model.text import name_key

#: Events of one kind, as a history keeps them.
E = TypeVar("E", bound=Event)


#: Events a history keeps, with their ids: a room's or a conversation's.
Kept = TypeVar("Kept", bound=StoredEvent | PrivateEvent)


class IgnoreLists(Protocol):
    """Where accounts' ignore lists are kept (the account store)."""

    async def ignores(self, account: str) -> frozenset[str]:
        """The name keys account ``account`` ignores."""
        ...


#: The most names one account may ignore.
MOST = 200

#: Nobody ignored.
NOBODY: frozenset[str] = frozenset()


def sender_of(event: Event) -> str | None:
    """Who an ignorable event comes from, as a name key (None: nothing an
    ignore list holds back)."""
    if isinstance(event, Message | Typing | TagMessage | Edited | Reaction):
        return name_key(event.user)
    if isinstance(event, PrivateMessage | PrivateTagMessage):
        return name_key(event.sender)
    if isinstance(event, Invited):
        return name_key(event.by)
    return None


def held_back(ignoring: frozenset[str], event: Event) -> bool:
    """Whether a seat ignoring ``ignoring`` leaves ``event`` out."""
    sender = sender_of(event)
    return sender is not None and sender in ignoring


def heard(ignoring: frozenset[str], events: list[E]) -> list[E]:
    """``events`` without what a seat ignoring ``ignoring`` leaves out."""
    if not ignoring:
        return events
    return [event for event in events if not held_back(ignoring, event)]


#: How many older pages a history reads in place of what an ignore list
#: left out of one, before it answers with fewer.
IGNORED_PAGES = 10


async def heard_pages(
    read: Callable[[int | None], Awaitable[list[Kept]]],
    ignoring: frozenset[str],
    count: int,
    before: int | None,
) -> list[Kept]:
    """Up to ``count`` events before id ``before`` that a seat ignoring
    ``ignoring`` hears, oldest first: ``read`` pages back (``count`` events
    before an id, or the newest), and an older page is read in place of
    what was left out, at most :data:`IGNORED_PAGES` of them, so a client
    paging back until a short page is not stopped by a page of ignored
    lines."""
    page = await read(before)
    shown = heard(ignoring, page)
    for _ in range(IGNORED_PAGES):
        if len(shown) >= count or len(page) < count or not page[0].id:
            break
        page = await read(int(page[0].id))
        shown = heard(ignoring, page) + shown
    return shown[-count:]


def replayed(ignoring: frozenset[str], welcome: Welcome) -> Welcome:
    """A room's join replies for a seat ignoring ``ignoring``: its history
    without what an ignored name said (the room's events are unchanged)."""
    if not ignoring:
        return welcome
    return replace(welcome, history=heard(ignoring, welcome.history))


def change(
    account: str, own_name: str, listed: frozenset[str], name: str, ignore: bool
) -> DecidedChange:
    """``/ignore NAME`` (``ignore``) or ``/unignore NAME`` by ``account``
    (whose name is ``own_name``), its list being ``listed``.

    Raises:
        ChatError: ``ACCOUNT_REQUIRED`` (no account), ``BAD_ARGS`` (itself,
            listed already or not at all, or too many).
    """
    if not account:
        raise errors.ChatError(
            "ACCOUNT_REQUIRED", "ignore lists belong to accounts: /register first"
        )
    key = name_key(name)
    if key == name_key(own_name) or key == account:
        raise errors.bad_args("you cannot ignore yourself")
    if ignore and key in listed:
        raise errors.bad_args(f"{name} is ignored already")
    if not ignore and key not in listed:
        raise errors.bad_args(f"{name} is not ignored")
    if ignore and len(listed) >= MOST:
        raise errors.bad_args(f"at most {MOST} names may be ignored")
    op: Operation = Ignore(key) if ignore else Unignore(key)
    return DecidedChange(AccountIgnores(account), ops=(op,))
