"""The core's decided changes of a room's seating, as the cluster scripts read them.

The core decides a join, a create or a leave (:mod:`chatroom.core.entries`)
and hands the back-end a :class:`~chatroom.core.changes.DecidedChange`.
The scripts read a change as JSON (:data:`.outcomes.Change`: the room, the
users it is about, its premises ``p``, its steps ``ops``), check every
premise in ``holds_for`` (the prelude) and store the steps in
``apply_in_room``; nothing here or there decides. This module only
translates, premise by premise and operation by operation, and reads a
seating a script answered back into the core's
:class:`~chatroom.core.facts.SeatingFacts`.
"""

from __future__ import annotations

from typing import Any

from chatroom.backends.redis.outcomes import Change, RedisSeating
from chatroom.backends.redis.replies import policy_fields
from chatroom.core import changes, codec
from chatroom.core.facts import LeavingFacts, RoomFacts, SeatingFacts, WaitingFacts


def premise_of(premise: changes.Premise) -> dict[str, Any]:
    """One premise as ``holds_for`` reads it (its fields of ``c.p``)."""
    match premise:
        case changes.Exists(exists=exists):
            return {} if exists else {"gone": True}
        case changes.FewerRoomsThan():
            return {}  # the server's step checks it (ENTERING), not the room's
        case changes.Named(name=name):
            return {"name": name}
        case changes.Absent(user=user):
            return {"absent": user}
        case changes.Incarnation(incarnation=incarnation):
            return {"inc": incarnation}
        case changes.Version(version=version):
            return {"ver": version}
        case changes.Unrestricted():
            return {"open": True}
        case changes.CapacityIs(capacity=capacity):
            return {"capacity": capacity}
        case changes.FewerMembersThan(count=count):
            return {"below": count}
        case changes.QuietAt(threshold=threshold, quiet=quiet):
            return {"big": threshold, "crowded": quiet}
        case changes.OwnerIs(owner=owner):
            return {"owner": owner}
        case changes.OwnerHere(here=here):
            return {"here": here}
        case changes.OwnerAccountIs(account=account):
            return {"account": account}
        case changes.Stays(permanent=permanent, keep=keep):
            return {"permanent": permanent, "keep": keep}
        case changes.EmptiedBy(empties=empties):
            return {"alone": empties}  # ``about`` are the users it names
        case changes.Present(users=users):
            return {"present": sorted(users)}
        case changes.QuietAmong(users=users):
            return {"quiet": sorted(users)}
        case changes.NewestIdAtLeast(id=newest):
            return {"newest_min": newest}
        case changes.NewestIdBelow(id=newest):
            return {"newest_below": newest}
        case changes.HeirIs(heir=heir):
            return {"heir": heir}  # the but: ``about``
        case changes.FirstMembers(keys=keys):
            return {"firsts": list(keys)}  # as many as ``seating`` reads
        case changes.ClaimantIs(claimant=claimant):
            return {"claimant": claimant}
        case changes.WaitOver(due=due):
            return {"due": due}
    raise TypeError(f"no premise {premise!r} of a room's seating in Redis")


def operation_of(op: changes.Operation) -> list[Any] | None:
    """One operation as ``apply_in_room`` reads it (None: the script that
    runs the change performs it itself: a room made by ``CREATE``)."""
    match op:
        case changes.Emit(event=event):
            return ["emit", codec.encode(event).decode()]
        case changes.AddMember(user=user, quiet=quiet):
            return ["seat", user, quiet]
        case changes.RemoveMember(user=user):
            return ["unseat", user]
        case changes.SetOwner(owner=owner):
            return ["owner", owner]
        case changes.SetPolicy(policy=policy):  # a room made an account's
            return ["policy", *policy_fields(policy)]
        case changes.Drop():
            return ["drop"]
        case changes.Wait(until=until):
            return ["waits", until]
        case changes.Waited():
            return ["waited"]
        case changes.MakeRoom() | changes.ReplyHistory():
            return None  # made by CREATE; the window is the reply's operands
    raise TypeError(f"no operation {op!r} of a room's seating in Redis")


def encoded(change: changes.DecidedChange, marked: str = "after") -> Change:
    """``change`` as a script reads it; ``marked``: the room's newest event
    is answered ``after`` the steps (a join's: where its events start) or
    ``before`` them (a departure's: the events before it are replayed)."""
    premises: dict[str, Any] = {}
    for premise in change.premises:
        premises.update(premise_of(premise))
    ops = [step for op in change.ops if (step := operation_of(op)) is not None]
    ops = [["mark"], *ops] if marked == "before" else [*ops, ["mark"]]
    return {"r": change.room, "about": list(change.about), "p": premises, "ops": ops}


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
