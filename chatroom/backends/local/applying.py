"""A decided change of a room's seating, checked and performed on a :class:`Room`.

The core decides a join, a create or a leave and hands the back-end a
:class:`~chatroom.core.model.changes.base.DecidedChange`
(:mod:`chatroom.core.rooms.entries`).
Here its premises are checked against the room as it is (:func:`failed`)
and its operations performed on it in order (:func:`perform`); nothing is
decided. In one process nothing changes between the core's read and this,
so a premise fails only when something ran in between (a test does that,
to see the core decide again); the check is the same as Redis's.

A change names members by their name keys; the one member it seats or
takes out is the ``member`` the back-end is handed with it, so a check or
a step about that member costs a dict lookup, not a walk of the room.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from chatroom.backends.local.rooms import Room
from chatroom.core.model.changes.base import DecidedChange, Premise
from chatroom.core.model.changes.rooms import (
    Absent,
    AddMember,
    CapacityIs,
    ClaimantIs,
    Emit,
    EmptiedBy,
    Exists,
    FewerMembersThan,
    FewerRoomsThan,
    FirstMembers,
    HeirIs,
    Incarnation,
    Named,
    NewestIdAtLeast,
    NewestIdBelow,
    OwnerAccountIs,
    OwnerHere,
    OwnerIs,
    Present,
    QuietAmong,
    QuietAt,
    RemoveMember,
    SetOwner,
    SetPolicy,
    Stays,
    Unrestricted,
    Version,
    Waited,
    WaitOver,
)
from chatroom.core.model.facts import (
    Heir,
    LeavingFacts,
    Seating,
    SeatingFacts,
    WaitingFacts,
)
from chatroom.core.model.member import Member


def version(room: Room) -> str:
    """What a decision on a restricted room's policy was read at."""
    return room.policy.to_json() if room.policy.restricted else ""


def seating_facts(room: Room, member: Member, key: str) -> SeatingFacts:
    """Room ``room``'s facts about ``member`` (name key ``key``)."""
    here = member in room.members
    return SeatingFacts(
        room.facts(),
        room.seating(member if here else None),
        frozenset({key}) if here else frozenset(),
        version(room),
        newest=room.last_id,
    )


def leaving_facts(
    room: Room,
    about: tuple[str, ...],
    member: Member | None = None,
    holders: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> LeavingFacts:
    """What the departures of users ``about`` (name keys) from room
    ``room`` are decided on, as their sessions end; ``member``, if known,
    is one of them (found without a walk of the room); ``holders``, the
    sessions holding their seats."""
    here = [(u, member_of(room, u, member)) for u in about]
    firsts = tuple(
        Heir(room.key_of(m), room.members[m])
        for m in itertools.islice(room.members, len(about) + 1)
    )
    return LeavingFacts(
        room.key,
        True,
        room.seating(),
        firsts,
        frozenset(u for u, m in here if m is not None),
        frozenset(u for u, m in here if m is not None and m in room.quiet),
        holders,
    )


def member_of(room: Room, user: str, known: Member | None) -> Member | None:
    """Room ``room``'s member whose name key is ``user``: ``known`` if it
    is the one, else found by a walk of the room."""
    if known is not None and known in room.members and room.key_of(known) == user:
        return known
    return room.member_keyed(user)


def waiting_facts(room: Room) -> WaitingFacts:
    """What room ``room``'s succession is decided on when its wait is over."""
    waits = room.waits_until if room.restored or room.absent_owner else 0
    return WaitingFacts(room.key, True, room.seating(), waits)


def failed(
    room: Room | None,
    change: DecidedChange,
    member: Member | None,
    key: str,
    rooms: int,
) -> Premise | None:
    """The first premise of ``change`` that does not hold of ``room`` (None
    if there is no room), ``member`` being the user ``key`` (None, "": a
    change about no member) and the server having ``rooms`` rooms; None if
    they all hold."""
    if room is None:
        for premise in change.premises:
            if not _holds_of_none(premise, rooms):
                return premise
        return None
    checks = _CHECKS
    for premise in change.premises:
        try:
            check = checks[type(premise)]
        except KeyError:
            raise TypeError(f"no premise {premise!r} of a room's seating") from None
        if not check(room, premise, member, key):
            return premise
    return None


def _holds_of_none(premise: Premise, rooms: int) -> bool:
    """Whether ``premise`` holds where there is no room (a create's)."""
    if isinstance(premise, Exists):
        return not premise.exists
    if isinstance(premise, FewerRoomsThan):
        return rooms < premise.count
    if type(premise) in _CHECKS:
        return False  # about a room that is not there
    raise TypeError(f"no premise {premise!r} of a room's seating")


#: How each premise about a room that exists is checked: on the room, the
#: premise, and the member a change seats or takes out (None: nobody) with
#: its name key. A table by type: a join checks seven premises, and a chain
#: of type tests cost it more than the rest of its check.
_CHECKS: dict[type[Premise], Callable[[Room, Any, Member | None, str], bool]]
_CHECKS = {
    Exists: lambda room, premise, member, key: premise.exists,
    FewerRoomsThan: lambda room, premise, member, key: True,  # it is made
    Named: lambda room, premise, member, key: room.name == premise.name,
    Absent: lambda room, premise, member, key: (
        not _is_member(room, premise.user, member, key)
    ),
    # one process makes each room once
    Incarnation: lambda room, premise, member, key: premise.incarnation == "",
    Version: lambda room, premise, member, key: version(room) == premise.version,
    Unrestricted: lambda room, premise, member, key: not (room.policy.restricted),
    CapacityIs: lambda room, premise, member, key: room.capacity == premise.capacity,
    NewestIdAtLeast: lambda room, premise, member, key: room.last_id >= premise.id,
    NewestIdBelow: lambda room, premise, member, key: room.last_id < premise.id,
    FewerMembersThan: lambda room, premise, member, key: (
        len(room.members) < premise.count
    ),
    QuietAt: lambda room, premise, member, key: (
        (len(room.members) >= premise.threshold) == premise.quiet
    ),
    OwnerAccountIs: lambda room, premise, member, key: (
        room.policy.owner_account == premise.account
    ),
    Stays: lambda room, premise, member, key: (
        (room.permanent, room.policy.keep) == (premise.permanent, premise.keep)
    ),
    EmptiedBy: lambda room, premise, member, key: (
        (len(room.members) <= len(premise.users)) == premise.empties
    ),
    WaitOver: lambda room, premise, member, key: (
        0 < waiting_facts(room).waits_until <= premise.due
    ),
    ClaimantIs: lambda room, premise, member, key: (
        room.seating().claimant == premise.claimant
    ),
    FirstMembers: lambda room, premise, member, key: (
        tuple(room.key_of(m) for m in itertools.islice(room.members, premise.count))
        == premise.keys
    ),
    OwnerIs: lambda room, premise, member, key: (
        _seating(room, member).owner == premise.owner
    ),
    OwnerHere: lambda room, premise, member, key: (
        _seating(room, member).owner_here == premise.here
    ),
    HeirIs: lambda room, premise, member, key: (
        next((k for k in map(room.key_of, room.members) if k not in premise.but), "")
        == premise.heir
    ),
    Present: lambda room, premise, member, key: (
        sorted(u for u in premise.among if _is_member(room, u, member, key))
        == sorted(premise.users)
    ),
    QuietAmong: lambda room, premise, member, key: (
        sorted(u for u in premise.among if _is_quiet(room, u, member, key))
        == sorted(premise.users)
    ),
}


def _seating(room: Room, member: Member | None) -> Seating:
    """The room's seating about ``member``, if it is there."""
    here = member is not None and member in room.members
    return room.seating(member if here else None)


def _is_member(room: Room, user: str, member: Member | None, key: str) -> bool:
    if user == key and member is not None:
        return member in room.members
    return room.member_keyed(user) is not None


def _is_quiet(room: Room, user: str, member: Member | None, key: str) -> bool:
    found = member if user == key and member is not None else room.member_keyed(user)
    return found is not None and found in room.quiet


def perform(room: Room, change: DecidedChange, member: Member | None, key: str) -> None:
    """``change``'s operations on ``room``, in order (a room made, a drop
    or a wait are the back-end's, which keeps the rooms); ``member``, the
    user ``key``, is the one it seats or takes out (None, "": nobody)."""
    for op in change.ops:
        if isinstance(op, Emit):
            room.broadcast(op.event)
        elif isinstance(op, Waited):
            room.restored, room.waits_until = False, 0
        elif isinstance(op, AddMember):
            assert member is not None
            room.members[member] = op.name
            if op.quiet:
                room.quiet.add(member)
            room.restored = False
        elif isinstance(op, RemoveMember):
            gone = member if op.user == key else room.member_keyed(op.user)
            assert gone is not None
            room.members.pop(gone)
            room.quiet.discard(gone)
        elif isinstance(op, SetPolicy):  # a room made an account's
            room.set_policy(op.policy)
        elif isinstance(op, SetOwner):
            owner = member if op.owner == key and key else room.member_keyed(op.owner)
            room.owner = owner if op.owner else None
            room.absent_owner = ""
