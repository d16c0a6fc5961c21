"""What the Redis back-end's scripts answer, read.

The scripts of :mod:`chatroom.backends.redis.scripts` and
:mod:`chatroom.backends.redis.moderation_scripts` speak in flat lists of
bytes. These functions turn their replies into the core's types
(:class:`~chatroom.core.backend.DecisionFacts`,
:class:`~chatroom.core.rooms.roominfo.Roster`,
:class:`~chatroom.core.model.facts.Target`,
:class:`~chatroom.core.model.events.ListedRoom`), so
:class:`~chatroom.backends.redis.redis_backend.RedisBackend` reads as the
steps it takes. What the scripts are given is one operand mapping
(:mod:`chatroom.backends.redis.operands`).
"""

from __future__ import annotations

from dataclasses import replace
from sys import intern
from typing import Any

from chatroom.backends.redis.calls import Refusals
from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.events import ListedRoom
from chatroom.core.model.facts import DecisionFacts, RoomFacts, RoomPolicy, Target
from chatroom.core.model.text import name_key
from chatroom.core.rooms.roominfo import Roster

#: How the refusals of a create or a join read.
ENTRY_REFUSALS: Refusals = {
    b"ALREADY_IN_ROOM": lambda r: errors.already_in_room(r[1].decode()),
    b"ROOM_FULL": lambda r: errors.room_full(r[1].decode(), r[2].decode()),
    b"ROOM_EXISTS": lambda r: errors.room_exists(r[1].decode()),
}


def listed_room(row: list[Any]) -> ListedRoom:
    """A room's lobby entry from a row of the ``LISTED_ROOM`` script."""
    _key, name, members, capacity, topic, _created, secret = row
    return ListedRoom(
        intern(name.decode()),
        int(members),
        int(capacity),
        topic.decode(),
        secret == b"1",
    )


def parse_target(row: list[Any]) -> Target | None:
    """A user as the prelude's ``target`` function returns them."""
    if not row:
        return None
    name, account, token, present = row
    return Target(name.decode(), account.decode(), token.decode(), int(present) == 1)


def parse_facts(reply: list[Any], found: Target | None = None) -> DecisionFacts:
    """The reply of the ``FACTS`` script; its guard is the room's
    incarnation and ``ver`` (bumped whenever its owner or policy changes).
    ``found``: the target as ``TARGET`` read them, present if connected and
    ``FACTS`` found them in the room."""
    _, name, permanent, owner, capacity, members, inc, ver = reply[:8]
    policy, owner_name, present = reply[8:]
    room = RoomFacts(
        name=name.decode(),
        permanent=permanent == b"1",
        owner=owner.decode(),
        capacity=int(capacity),
        members=int(members),
        policy=RoomPolicy.from_json(policy),
    )
    if found is not None:
        found = replace(found, present=found.online and int(present) == 1)
    return DecisionFacts(room, (inc, ver), owner_name.decode(), found)


def parse_roster(reply: list[Any]) -> Roster:
    """The reply of the ``WHO`` script: each member with its grants (account
    and token) when the room has a policy to match them against."""
    _, name, owner, topic, topic_by, members, owner_key, policy, grants = reply[:9]
    topic_at, created_at = reply[9:]
    shown = [member.decode() for member in members]
    if grants:
        targets = [
            Target(member, account.decode(), token.decode(), True)
            for member, (_key, account, token) in zip(shown, grants, strict=True)
        ]
    else:
        targets = [Target(member) for member in shown]
    return Roster(
        room=name.decode(),
        owner=owner.decode(),
        owner_key=owner_key.decode(),
        topic=topic.decode(),
        topic_by=topic_by.decode(),
        policy=RoomPolicy.from_json(policy),
        targets=targets,
        topic_at=int(topic_at),
        created_at=int(created_at),
    )


def key_of(session: Session) -> str:
    """The name key a session's name holds in Redis (``P users``)."""
    return name_key(session.name)
