"""The premises the services' changes rest on, made once where they can be."""

from __future__ import annotations

import functools

from chatroom.core.model.changes.base import Premise
from chatroom.core.model.changes.messages import RoomMessages, Unmoderated
from chatroom.core.model.changes.rooms import Incarnation, QuietAmong, Version
from chatroom.core.model.facts import DecisionFacts
from chatroom.core.model.text import name_key

#: The premise of a member's message to a room that is not moderated.
UNMODERATED = Unmoderated()


def as_read(facts: DecisionFacts) -> tuple[Premise, ...]:
    """The premises of a change decided on ``facts``: the room's
    incarnation and version as read (its ``guard``)."""
    incarnation, version = facts.guard
    return (Incarnation(incarnation.decode()), Version(version.decode()))


@functools.lru_cache(maxsize=4096)
def ordinary(key: str) -> tuple[Premise, ...]:
    """The premises of an ordinary message by ``key`` (a name key): the room
    is not moderated, the speaker not quiet. Made once per speaker while it
    speaks often: a message is the most frequent change."""
    return (UNMODERATED, QuietAmong((key,), ()))


@functools.lru_cache(maxsize=4096)
def messages_of(room: str) -> RoomMessages:
    """The subject of a message to ``room``, made once per room."""
    return RoomMessages(name_key(room))
