"""Who may do what: every policy decision, once, for every registry and door.

Each rule is a plain function over plain facts, raising the refusal from
:mod:`chatroom.errors`. The in-process registry calls them on its own
state; the Redis registry calls them on facts it read from Redis and then
applies the change with a script that only checks those facts still hold
(see :mod:`chatroom.cluster.scripts`). So a rule is written, and changed,
in exactly one place.

Limits that racing nodes could otherwise overrun between a check and a
change (a name's uniqueness, a room's capacity, the number of rooms) are
enforced where the seat is taken: by the in-process registry in one call,
and inside the Redis script that takes it. Their values and their refusals
still come from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom import errors
from chatroom.text import TOPIC_MAX_LENGTH, has_control_characters, is_valid_name


@dataclass(frozen=True)
class RoomFacts:
    """What the rules need to know of a room."""

    name: str
    permanent: bool
    owner: str  # the owner's name key, or "" for none
    capacity: int
    members: int


def check_name(name: str) -> None:
    """A user name: 1-32 letters, digits, ``_``, ``-`` or ``.``."""
    if not is_valid_name(name):
        raise errors.bad_name()


def check_room_name(name: str) -> None:
    """A room name follows the same rule as user names."""
    if not is_valid_name(name):
        raise errors.bad_room_name()


def check_text(text: str) -> None:
    """Refuse text that would reach other users' terminals as controls."""
    if has_control_characters(text):
        raise errors.bad_text()


def check_topic(topic: str) -> None:
    """A topic is safe text of at most ``TOPIC_MAX_LENGTH`` characters."""
    check_text(topic)
    if len(topic) > TOPIC_MAX_LENGTH:
        raise errors.topic_too_long()


def is_full(members: int, capacity: int) -> bool:
    """Whether a room with ``members`` has no place for one more."""
    return members >= capacity


def check_space(room: RoomFacts) -> None:
    """Refuse to seat one more member in a full room."""
    if is_full(room.members, room.capacity):
        raise errors.room_full(room.name, room.capacity)


def check_room_count(rooms: int, limit: int) -> None:
    """Refuse a new room when the server has ``--max-rooms``."""
    if rooms >= limit:
        raise errors.too_many_rooms(limit)


def check_delete(room: RoomFacts, actor: str) -> None:
    """Only the owner may delete a room, and permanent rooms never go."""
    if room.permanent:
        raise errors.permanent_room(room.name)
    if room.owner != actor:
        raise errors.not_owner(room.name)


def check_set_topic(room: RoomFacts, actor: str) -> None:
    """Any member may set the topic (the caller has checked membership)."""
