"""Which thread a message is in, and which threads an account follows.

A thread's message carries its root's id as the tag ``thread=<root>``
(:data:`~chatroom.wire.tags.THREAD_TAG`): :func:`root_of` reads it. An
account's follows are among its settings
(:mod:`chatroom.core.accounts.account_settings`), each thread named by
:func:`follow_key`; the rules that follow and unfollow are
:mod:`chatroom.core.messages.threads`'.
"""

from __future__ import annotations

from chatroom.core.accounts.account_settings import FOLLOW, of_kind
from chatroom.core.model.events import Message
from chatroom.core.model.text import name_key
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


def follows_of(settings: dict[str, str]) -> dict[str, bool]:
    """The threads (:func:`follow_key`) an account's ``settings`` say it
    followed (True) or unfollowed (False)."""
    return {key: value == "1" for key, value in of_kind(settings, FOLLOW).items()}


def followed_in(settings: dict[str, str], room: str) -> set[str]:
    """The roots' ids of the threads of ``room`` that an account's
    ``settings`` say it follows."""
    prefix = f"{name_key(room)} "
    return {
        key[len(prefix) :]
        for key, following in follows_of(settings).items()
        if following and key.startswith(prefix)
    }
