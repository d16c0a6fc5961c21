"""A room's seating as a script answered it, read back into the core's facts.

The core decides a join, a create or a leave (:mod:`chatroom.core.rooms.entries`),
a session's departures and a room's succession on a room's facts; the
scripts hand them back as a seating (:class:`.outcomes.RedisSeating`),
which this module reads into what each decision is made on
(:class:`~chatroom.core.model.facts.SeatingFacts`,
:class:`~chatroom.core.model.facts.LeavingFacts`,
:class:`~chatroom.core.model.facts.WaitingFacts`). The change a decision makes
reaches the scripts as it is (:mod:`.operands`).
"""

from __future__ import annotations

from chatroom.backends.redis.outcomes import RedisSeating
from chatroom.core.model.facts import (
    LeavingFacts,
    RoomFacts,
    SeatingFacts,
    WaitingFacts,
)


def leaving_of(seating: RedisSeating) -> LeavingFacts:
    """What the departures of the users a seating was read about are
    decided on, as their sessions end."""
    return LeavingFacts(
        seating.key,
        seating.exists,
        seating.about(),
        seating.firsts,
        frozenset(seating.present),
        seating.quiet,
        seating.holders,
    )


def waiting_of(seating: RedisSeating) -> WaitingFacts:
    """What a room's succession is decided on, from a seating about nobody
    that a script answered."""
    return WaitingFacts(
        seating.key, seating.exists, seating.about(), seating.waits_until
    )


def facts_of(
    seating: RedisSeating, capacity: int, user: str, here: bool, latest: bool = True
) -> SeatingFacts:
    """What the core decides on about user ``user`` (a name key; ``here``:
    in the room), from a seating a script answered (``latest``) or the
    node's last one; ``capacity``: the server's, for a room whose own is
    not known yet."""
    room = RoomFacts(
        name=seating.name,
        permanent=seating.permanent,
        owner=seating.owner,
        capacity=seating.capacity or capacity,
        members=seating.members,
        policy=seating.policy,
    )
    present = frozenset({user}) if here else frozenset()
    return SeatingFacts(
        room, seating.about(user), present, seating.version, latest, seating.newest
    )
