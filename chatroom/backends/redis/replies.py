"""What the Redis back-end's scripts answer, read; what they are given, built.

The scripts of :mod:`chatroom.backends.redis.scripts` and
:mod:`chatroom.backends.redis.moderation_scripts` speak in flat lists of
bytes. These functions turn their replies into the core's types
(:class:`~chatroom.core.backend.DecisionFacts`,
:class:`~chatroom.core.roominfo.Roster`,
:class:`~chatroom.core.facts.Target`,
:class:`~chatroom.core.events.ListedRoom`) and a decided
:class:`~chatroom.core.changes.DecidedChange` into the ``MODERATE`` script's
arguments, so :class:`~chatroom.backends.redis.redis_backend.RedisBackend` reads as
the steps it takes.
"""

from __future__ import annotations

from dataclasses import replace
from sys import intern
from typing import Any

from chatroom.backends.redis.calls import Refusals
from chatroom.core import errors
from chatroom.core.backend import DecisionFacts
from chatroom.core.changes import (
    DecidedChange,
    Incarnation,
    Present,
    SessionIs,
    SetOwner,
    SetPolicy,
    Version,
)
from chatroom.core.codec import unnumbered
from chatroom.core.config import ServerConfig
from chatroom.core.events import ListedRoom, Message
from chatroom.core.facts import RoomFacts, RoomPolicy, Target
from chatroom.core.roominfo import Roster
from chatroom.core.seats import Session
from chatroom.core.text import name_key
from chatroom.wire.lines import format_time

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


def _flag(value: bool) -> str:
    return "1" if value else "0"


def policy_fields(policy: RoomPolicy) -> list[str]:
    """``policy`` as a room's hash keeps it, in the order the scripts that
    set it take it: its JSON, then whether it keeps the room, restricts
    joins, the account owning the room, and whether it is moderated (each
    read apart by the scripts that decide nothing but check a premise)."""
    return [
        policy.to_json(),
        _flag(policy.keep),
        _flag(policy.restricted),
        policy.owner_account,
        _flag(policy.moderated),
    ]


def moderation_args(key: str, session: Session, change: DecidedChange) -> list[Any]:
    """The ``MODERATE`` script's arguments for a decided moderation's
    ``change`` (:func:`chatroom.core.moderation.change_of`), but for its
    kick's changes (:mod:`chatroom.backends.redis.outcomes`), which the
    caller puts before the events: its premises (the room's incarnation
    and version; the target's session and presence), the policy set (``-``:
    unchanged) and whether the actor owns the room now, then the room's
    events."""
    incarnation = version = target = token = ""
    present = False
    for premise in change.premises:
        if isinstance(premise, Incarnation):
            incarnation = premise.incarnation
        elif isinstance(premise, Version):
            version = premise.version
        elif isinstance(premise, SessionIs):
            target, token = premise.user, premise.session
        elif isinstance(premise, Present):
            present = bool(premise.users)
    policies = change.of(SetPolicy)
    unchanged = ["-", "0", "0", "", "0"]
    return [
        key,
        key_of(session),
        session.token,
        incarnation,
        version,
        *(policy_fields(policies[0].policy) if policies else unchanged),
        _flag(bool(change.of(SetOwner))),
        target,
        token,
        _flag(present),
    ]


def say_args(
    key: str, session: Session, event: Message, config: ServerConfig, oldest: float
) -> list[Any]:
    """The ``SAY`` script's arguments for one message, but for its last
    four (what the room is shown first, the premise, from outside)."""
    return [
        key,
        key_of(session),
        session.token,
        unnumbered(event),
        *kept(config, oldest),
    ]


def kept(config: ServerConfig, oldest: float) -> list[Any]:
    """What a room keeps of its messages, as ``SAY`` and ``POST`` take it:
    how many (``--retention``), and the oldest time, as stored events
    carry it (the core's operand, :attr:`Append.oldest
    <chatroom.core.changes.Append.oldest>`; "" for no age limit)."""
    return [config.retention, format_time(oldest) if oldest else ""]


def key_of(session: Session) -> str:
    """The name key a session's name holds in Redis (``P users``)."""
    return name_key(session.name)
