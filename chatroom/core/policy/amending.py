"""Who may change a message once it is said: the rules of ``/edit`` and ``/redact``.

Plain functions over the stored message (as the back-end read it) and the
room's facts, raising the refusals of :mod:`chatroom.core.model.errors`; the
events they lead to are built by :class:`chatroom.core.chat.ChatCore`.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.model.events import Message
from chatroom.core.model.facts import RoomFacts
from chatroom.core.model.text import name_key
from chatroom.core.policy import moderation
from chatroom.core.policy.moderation import Actor
from chatroom.wire.lines import parse_time


def author_of(message: Message) -> str:
    """The name key of whoever said a stored message."""
    return name_key(message.user)


def check_edit(message: Message, actor: Actor, now: float, window: float) -> None:
    """Only the author edits, within ``window`` seconds (``0``: never)."""
    if window <= 0:
        raise errors.not_allowed("editing is turned off on this server")
    if author_of(message) != actor.key:
        raise errors.not_allowed("only its author may edit a message")
    if now - parse_time(message.time) > window:
        raise errors.not_allowed(
            f"messages may be edited for {window:g} seconds after they are sent"
        )


def check_redact(message: Message, room: RoomFacts, actor: Actor) -> None:
    """The author, or the room's owner and operators, or a server admin."""
    if author_of(message) != actor.key and not moderation.is_operator(room, actor):
        raise errors.not_allowed(
            "only its author, the room's owner and operators may delete a message"
        )
