"""A room's seating as a script read it, and membership outcomes as changes.

Joins, creates, leaves, sessions' ends and successions are decided by the
core and translated by :mod:`.decided`; the outcome here is the one still
decided in a back-end step: a kick's departure (:func:`leaving`).

Who is in a room is decided by :mod:`chatroom.core.membership`, on a room's
facts as a script read them (its *seating*: ``seating`` in
:mod:`chatroom.backends.redis.prelude`). A script that applies the outcome
gets it as *changes*, a JSON list, one per room: the room's key, the users
the decision is about, its *premises* (what the decision depended on,
each a fact of the seating that must still be as it was: the joiner's
quietness threshold, the owner, the longest-present other member when
the owner leaves, whether the leaver is quiet, whether the room empties)
and its *steps* (seat, unseat, set the owner, publish an event the core
made, drop the room or let it wait). The script checks every premise
first and applies nothing if one fails: it answers ``CHANGED`` with the
seatings as they are now, and the node decides again on those. No script
decides anything or makes an event.

A node decides on the seating it has
from its last reply about that room (:attr:`NodeRoom.seated
<chatroom.backends.redis.delivery.NodeRoom.seated>`), so a join, a leave
or a release runs its scripts once (one per step: :mod:`.room_steps`)
unless another node changed what the decision depended on; premises name
only that, so joins and leaves by others elsewhere in a room do not make
a node decide again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chatroom.core import codec, membership
from chatroom.core.backend import FactsChangedError
from chatroom.core.changes import Fate
from chatroom.core.events import Departure, DepartureKind, RoomEvent
from chatroom.core.facts import NO_POLICY, Heir, RoomPolicy, Seating

#: One room's change, as the scripts read it (see the module's docstring).
Change = dict[str, Any]


@dataclass(frozen=True)
class RedisSeating:
    """A room's seating as a script read it: what membership decides on,
    and what the premises of a decision are checked against."""

    key: str
    exists: bool = True
    name: str = ""
    incarnation: str = ""
    members: int = 0
    owner: str = ""
    owner_here: bool = False
    owner_account: str = ""
    stays: bool = False
    #: Its first members in arrival order (one more than those asked about).
    firsts: tuple[Heir, ...] = ()
    #: Of the users asked about, those quiet, and those in the room.
    quiet: frozenset[str] = frozenset()
    present: frozenset[str] = frozenset()
    #: It waits for its members (its node went) until then (ms; 0: it does not).
    waits_until: int = 0
    #: Its account's longest-present member, when its account owns it and
    #: nobody holds it.
    claimant: str = ""
    #: What the entry rule decides on: its capacity (0: not known), its
    #: policy if it restricts joins, and the version that was read at.
    capacity: int = 0
    restricted: bool = False
    version: str = ""
    policy: RoomPolicy = NO_POLICY
    #: Its newest event id (None: not known).
    newest: int | None = None

    def about(self, *keys: str) -> Seating:
        """The core's facts for a decision about ``keys``."""
        skip = set(keys)
        heir = next((h for h in self.firsts if h.key not in skip), None)
        return Seating(
            room=self.name,
            members=self.members,
            owner=self.owner,
            owner_here=self.owner_here,
            owner_account=self.owner_account,
            stays=self.stays,
            heir=heir,
            quiet=self.quiet & skip,
            incarnation=self.incarnation,
            claimant=self.claimant,
        )


def seated(row: list[Any]) -> RedisSeating:
    """A ``seating`` row of a script's reply."""
    key = row[0].decode()
    if len(row) == 1:
        return RedisSeating(key, exists=False)
    name, incarnation, members, owner, here, account, stays = row[1:8]
    firsts, quiet, present, waits, claimant = row[8:13]
    capacity, restricted, version, policy, newest = row[13:18]
    return RedisSeating(
        key=key,
        name=name.decode(),
        incarnation=incarnation.decode(),
        members=int(members),
        owner=owner.decode(),
        owner_here=int(here) == 1,
        owner_account=account.decode(),
        stays=int(stays) == 1,
        firsts=tuple(
            Heir(firsts[i].decode(), firsts[i + 1].decode())
            for i in range(0, len(firsts), 2)
        ),
        quiet=frozenset(k.decode() for k in quiet),
        present=frozenset(k.decode() for k in present),
        waits_until=int(waits or 0),
        claimant=claimant.decode(),
        capacity=int(capacity),
        restricted=int(restricted) == 1,
        version=version.decode(),
        policy=RoomPolicy.from_json(policy),
        newest=int(newest),
    )


def seated_all(rows: Iterable[list[Any]]) -> dict[str, RedisSeating]:
    """Each room's seating in a script's reply, by room key."""
    found = {}
    for row in rows:
        room = seated(row)
        found[room.key] = room
    return found


def names(flat: Sequence[bytes]) -> dict[str, str]:
    """A reply's ``u, name, ...`` as a mapping."""
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def brought(changed: FactsChangedError) -> dict[str, RedisSeating] | None:
    """The seatings a script's ``CHANGED`` brings (None: it brings none: a
    changed guard, the room's version)."""
    reply = changed.args[0] if changed.args else None
    if isinstance(reply, list) and len(reply) > 1 and isinstance(reply[1], list):
        return seated_all(reply[1])
    return None


def unknown(key: str, name: str) -> RedisSeating:
    """What a node assumes of a room it has no seating of yet: as typed,
    open, not big, not an account's; the premises say so, and a script
    refuses with the seating if that is wrong."""
    return RedisSeating(key, name=name)


@dataclass
class _Leavers:
    """A room as several of its members leave it, one after another."""

    room: RedisSeating
    owner: str
    members: int
    gone: set[str] = field(default_factory=set)

    def facts(self, u: str) -> Seating:
        """The room's facts as ``u`` leaves it, after those gone before."""
        here = self.owner not in self.gone and (
            self.owner != self.room.owner or self.room.owner_here
        )
        return replace(
            self.room.about(u, *self.gone),
            members=self.members,
            owner=self.owner,
            owner_here=here,
            quiet=self.room.quiet & {u},
        )


def leaving(
    key: str,
    room: RedisSeating,
    departures: Sequence[tuple[str, Departure]],
    waits_until: int = 0,
    heads: Mapping[str, str] | None = None,
) -> Change:
    """The departures of users (``u``, its departure) from ``room``, in
    order, each decided by :func:`chatroom.core.membership.leave` on the
    room as the ones before left it; ``waits_until`` (ms): their node is
    gone or going, so a room they leave empty waits till then; ``heads``:
    u → the head its departure is published with (a kick's, naming the
    kicked session: :func:`chatroom.core.codec.entry_head`)."""
    about = [u for u, _ in departures]
    state = _Leavers(room, room.owner, room.members)
    steps: list[list[Any]] = [["mark"]]
    fate = Fate.STAYS
    for u, departure in departures:
        if u not in room.present:
            continue
        outcome = membership.leave(state.facts(u), u, departure, waits_until > 0)
        steps.append(["unseat", u])
        if outcome.owner is not None:
            steps.append(["owner", outcome.owner])
            state.owner = outcome.owner
        head = heads.get(u, "") if heads else ""
        steps += [
            ["emit", (head if event is departure else "") + _text(event)]
            for event in outcome.events
        ]
        state.members -= 1
        state.gone.add(u)
        fate = outcome.fate
    if fate is Fate.DROPPED:
        steps.append(["drop"])
    elif fate is Fate.WAITS:
        steps.append(["waits", waits_until])
    premises: dict[str, Any] = {
        "present": sorted(room.present & set(about)),
        "alone": room.members <= len(about),
        "stays": room.stays,
    }
    kicked = all(d.kind is DepartureKind.KICK for _, d in departures)
    if not kicked:
        premises["quiet"] = sorted(room.quiet & set(about))
    if len(about) == 1:  # one leaver: its own place in the room, no more
        u = about[0]
        premises["owns"] = room.owner == u
        if room.owner == u:
            premises["account"] = room.owner_account
            if not room.owner_account:
                heir = room.about(u).heir
                premises["heir"] = heir.key if heir is not None else ""
    else:
        premises.update(
            owner=room.owner,
            account=room.owner_account,
            firsts=[heir.key for heir in room.firsts],
        )
    return {"r": key, "about": about, "p": premises, "ops": steps}


def encoded(changes: Sequence[Change]) -> bytes:
    """Changes as a script reads them."""
    return json.dumps(list(changes), ensure_ascii=False, separators=(",", ":")).encode()


def encoded_change(change: Change) -> bytes:
    """One room's change as its room's step reads it."""
    return json.dumps(change, ensure_ascii=False, separators=(",", ":")).encode()


def _text(event: RoomEvent) -> str:
    """An event, in the cluster's encoding, inside the changes' JSON."""
    return codec.encode(event).decode()
