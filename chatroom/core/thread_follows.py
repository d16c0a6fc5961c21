"""Which thread a message is in, and which threads an account follows.

A thread's message carries its root's id as the tag ``thread=<root>``
(:data:`~chatroom.wire.tags.THREAD_TAG`): :func:`root_of` reads it. An
account's follows are kept by its back-end's :class:`FollowStore`, each
thread named by :func:`follow_key`; the rules that follow and unfollow
are :mod:`chatroom.core.message_threads`'.
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.changes import DecidedChange
from chatroom.core.events import Message
from chatroom.core.text import name_key
from chatroom.wire.tags import THREAD_TAG


def root_of(message: Message) -> str:
    """The id of the thread root ``message`` is in ("" for none)."""
    for key, value in message.tags:
        if key == THREAD_TAG:
            return value
    return ""


def follow_key(room: str, root: int) -> str:
    """How an account's follows name a thread: the room's name key and the
    root's id, with a space between (room names have none)."""
    return f"{name_key(room)} {root}"


def followed_in(follows: dict[str, bool], room: str) -> set[str]:
    """The roots' ids of the threads of ``room`` among ``follows`` (an
    account's) that it follows."""
    prefix = f"{name_key(room)} "
    return {
        key[len(prefix) :]
        for key, following in follows.items()
        if following and key.startswith(prefix)
    }


class FollowStore(Protocol):
    """Where a back-end keeps which threads accounts follow (by account
    key; a thread by :func:`follow_key`): True followed, False unfollowed
    (writing in it or being named in it then follows it no more)."""

    async def follows(self, account: str) -> dict[str, bool]:
        """Every thread ``account`` followed or unfollowed."""
        ...

    async def apply(self, change: DecidedChange) -> None:
        """Apply a change of an :class:`~chatroom.core.changes.AccountThreads`
        (its :class:`~chatroom.core.changes.SetFollow`, in order)."""
        ...
