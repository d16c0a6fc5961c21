"""A room's seating as a script read it.

Joins, creates, leaves, kicks, sessions' ends and successions are decided
by the core (:mod:`chatroom.core.rooms.membership`), on a room's facts as a
script read them (its *seating*: ``seating`` in the prelude), read back by
:mod:`.decided`. A script that applies the outcome gets it as the core's
change (:mod:`.operands`): the room, the users the decision is about, its
*premises* (what the decision depended on, each a fact of the seating
that must still be as it was: the joiner's quietness threshold, the owner,
the longest-present other member when the owner leaves, whether the
leaver is quiet, whether the room empties) and its *operations* (seat,
take out, set the owner, publish an event the core made, drop the room or
let it wait). The script checks every premise first (the prelude's
``unmet``) and applies nothing if one fails: it answers ``CHANGED`` with
the seatings as they are now, and the node decides again on those. No
script decides anything or makes an event.

A node decides on the seating it has
from its last reply about that room (:attr:`NodeRoom.seated
<chatroom.backends.redis.delivery.NodeRoom.seated>`), so a join, a leave
or a release runs its scripts once (one per step: :mod:`.room_steps`)
unless another node changed what the decision depended on; premises name
only that, so joins and leaves by others elsewhere in a room do not make
a node decide again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from sys import intern
from typing import Any

from chatroom.core.model.byfields import ByFields
from chatroom.core.model.changes.base import FactsChangedError
from chatroom.core.model.facts import NO_POLICY, Heir, RoomPolicy, Seating

#: No user keys: the quiet of most seatings, one shared set
#: (an empty frozenset made for each would cost 216 bytes).
NO_KEYS: frozenset[str] = frozenset()


#: The fields of a :class:`RedisSeating` most rooms have at their defaults
#: (these), kept together in one tuple only where one is not.
_RARE_DEFAULTS: tuple[Any, ...] = (
    True,  # exists
    "",  # owner_account
    False,  # permanent
    False,  # keep
    NO_KEYS,  # quiet
    (),  # present
    0,  # waits_until
    "",  # claimant
    False,  # restricted
    NO_POLICY,  # policy
    (),  # holders
)


class RedisSeating(ByFields):
    """A room's seating as a script read it: what membership decides on,
    and what the premises of a decision are checked against. Never
    changed once made (:meth:`seen` makes another).

    A node keeps one for each room it has members in (:attr:`NodeRoom.seated
    <chatroom.backends.redis.delivery.NodeRoom.seated>`): in the million
    run about one for every two connections a node holds. So it has slots,
    shares what most are (the empty sets one), and keeps the fields most
    rooms have at their defaults (it exists; its owner is no
    account's; it is neither permanent nor kept; nobody quiet or present,
    no seat's holders read;
    it waits for nobody; no claimant; open to all) in one tuple made only
    where one is not (:data:`_RARE_DEFAULTS`): 120 bytes a room, where a
    slot each cost 192."""

    __slots__ = (
        "_rare",
        "capacity",
        "first_members",
        "incarnation",
        "key",
        "members",
        "name",
        "newest",
        "owner_here",
        "owner_key",
        "version",
    )

    def __init__(
        self,
        key: str,
        exists: bool = True,
        name: str = "",
        incarnation: str = "",
        members: int = 0,
        owner_key: str | None = "",
        owner_here: bool = False,
        owner_account: str = "",
        permanent: bool = False,
        keep: bool = False,
        first_members: str = "",
        quiet: frozenset[str] = NO_KEYS,
        present: tuple[str, ...] = (),
        waits_until: int = 0,
        claimant: str = "",
        capacity: int = 0,
        restricted: bool = False,
        version: str = "",
        policy: RoomPolicy = NO_POLICY,
        newest: int | None = None,
        holders: tuple[tuple[str, tuple[str, ...]], ...] = (),
    ) -> None:
        self.key = key
        self.name = name
        self.incarnation = incarnation
        self.members = members
        #: Its owner's key (:attr:`owner`); None where it is its first
        #: member's, as for most rooms (their maker): then the first
        #: member's key in :attr:`first_members` is the only copy a node
        #: keeps (a string of its own cost each room about 60 bytes).
        self.owner_key = owner_key
        #: Whether its owner is a member (in most rooms, their maker is).
        self.owner_here = owner_here
        #: Its first members in arrival order (one more than those asked
        #: about), each its key and its name, in one string, space
        #: separated (no name nor key holds a space): kept for every room a
        #: node has members in, where a tuple of strings was about 300
        #: bytes and five blocks for a room's two first members, one string
        #: is about 70 and one block; :attr:`firsts` makes the
        #: :class:`Heir` objects on demand (a join's or a leave's decision).
        self.first_members = first_members
        #: What the entry rule decides on: its capacity (0: not known), and
        #: the version that was read at (its policy: :attr:`policy`).
        self.capacity = capacity
        self.version = version
        #: Its newest event id (None: not known).
        self.newest = newest
        rare = (
            exists,
            owner_account,
            permanent,
            keep,
            quiet,
            present,
            waits_until,
            claimant,
            restricted,
            policy,
            holders,
        )
        self._rare: tuple[Any, ...] | None = None if rare == _RARE_DEFAULTS else rare

    def _rarely(self, index: int) -> Any:
        rare = self._rare
        return _RARE_DEFAULTS[index] if rare is None else rare[index]

    @property
    def exists(self) -> bool:
        return bool(self._rarely(0))

    @property
    def owner_account(self) -> str:
        return str(self._rarely(1))

    @property
    def permanent(self) -> bool:
        """Named at start-up (kept by its policy: :attr:`keep`)."""
        return bool(self._rarely(2))

    @property
    def keep(self) -> bool:
        return bool(self._rarely(3))

    @property
    def quiet(self) -> frozenset[str]:
        """Of the users asked about, those quiet (:attr:`present`: those in
        the room; a tuple: one user's frozenset costs 216 bytes, its
        tuple 48)."""
        quiet: frozenset[str] = self._rarely(4)
        return quiet

    @property
    def present(self) -> tuple[str, ...]:
        present: tuple[str, ...] = self._rarely(5)
        return present

    @property
    def waits_until(self) -> int:
        """It waits for its members (its node went) until then (ms; 0: it
        does not)."""
        return int(self._rarely(6))

    @property
    def claimant(self) -> str:
        """Its account's longest-present member, when its account owns it
        and nobody holds it."""
        return str(self._rarely(7))

    @property
    def restricted(self) -> bool:
        """Its policy restricts joins (:attr:`policy`)."""
        return bool(self._rarely(8))

    @property
    def policy(self) -> RoomPolicy:
        policy: RoomPolicy = self._rarely(9)
        return policy

    @property
    def holders(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Of the users asked about who are present, the sessions the room
        names as holding each one's seat, where the script read them (a
        refused departure's: :attr:`~chatroom.core.model.facts.
        LeavingFacts.holders`)."""
        holders: tuple[tuple[str, tuple[str, ...]], ...] = self._rarely(10)
        return holders

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.key,
            self.name,
            self.incarnation,
            self.members,
            self.owner_key,
            self.owner_here,
            self.first_members,
            self.capacity,
            self.version,
            self.newest,
            self._rare or _RARE_DEFAULTS,
        )

    def __repr__(self) -> str:
        return (
            f"RedisSeating(key={self.key!r}, exists={self.exists!r},"
            f" name={self.name!r}, members={self.members!r},"
            f" owner={self.owner!r}, first_members={self.first_members!r},"
            f" rare={self._rare!r})"
        )

    def seen(
        self, quiet: frozenset[str] = NO_KEYS, present: tuple[str, ...] = ()
    ) -> RedisSeating:
        """The same seating with these users quiet and present (by
        default none), their seats' holders not read."""
        rare = self._rare or _RARE_DEFAULTS
        if rare[4] is quiet and rare[5] == present and not rare[10]:
            return self
        seating = RedisSeating.__new__(RedisSeating)
        for name in RedisSeating.__slots__:
            setattr(seating, name, getattr(self, name))
        kept = (*rare[:4], quiet, present, *rare[6:10], ())
        seating._rare = None if kept == _RARE_DEFAULTS else kept
        return seating

    @property
    def owner(self) -> str:
        """Its owner's key ("" for none)."""
        owner = self.owner_key
        if owner is None:
            return self.first_members.partition(" ")[0]
        return owner

    @property
    def firsts(self) -> tuple[Heir, ...]:
        """Its first members in arrival order, as the core decides on them."""
        if not self.first_members:
            return ()
        flat = self.first_members.split(" ")
        return tuple(Heir(flat[i], flat[i + 1]) for i in range(0, len(flat), 2))

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
            permanent=self.permanent,
            keep=self.keep,
            heir=heir,
            quiet=self.quiet & skip,
            incarnation=self.incarnation,
            claimant=self.claimant,
        )


def seated(row: list[Any]) -> RedisSeating:
    """A ``seating`` row of a script's reply.

    The room's key, name and incarnation are interned: the node's room,
    its list entry and its seating then share one string each (a node
    keeps all three for most rooms it has a member in)."""
    key = intern(row[0].decode())
    if len(row) == 1:
        return RedisSeating(key, exists=False)
    name, incarnation, members, owner, here, account, permanent = row[1:8]
    firsts, quiet, present, waits, claimant = row[8:13]
    capacity, restricted, version, policy, newest, keep = row[13:19]
    held = row[19] if len(row) > 19 else ()
    flat = b" ".join(firsts).decode()
    first = firsts[0] if firsts else None
    return RedisSeating(
        key=key,
        name=key if name == row[0] else intern(name.decode()),
        incarnation=intern(incarnation.decode()),
        members=int(members),
        owner_key=None if owner == first else owner.decode(),
        owner_here=int(here) == 1,
        owner_account=account.decode(),
        permanent=int(permanent) == 1,
        keep=int(keep) == 1,
        first_members=flat,
        quiet=_keys(quiet),
        present=tuple(k.decode() for k in present) if present else (),
        waits_until=int(waits or 0),
        claimant=claimant.decode(),
        capacity=int(capacity),
        restricted=int(restricted) == 1,
        version=version.decode(),
        policy=RoomPolicy.from_json(policy),
        newest=int(newest),
        holders=_holders(held) if held else (),
    )


def _holders(flat: Sequence[bytes]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A seating's ``u, sessions, ...`` (sessions space separated) as
    pairs: a refused departure's seats' holders, read only then (the
    reply of most scripts has none, and pays nothing for them)."""
    return tuple(
        (flat[i].decode(), tuple(flat[i + 1].decode().split()))
        for i in range(0, len(flat), 2)
    )


def _keys(flat: Sequence[bytes]) -> frozenset[str]:
    """User keys of a reply, as a set (the shared empty one if none)."""
    return frozenset(k.decode() for k in flat) if flat else NO_KEYS


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
    """The seatings a script's ``CHANGED`` brings: ``{'CHANGED', the failed
    premise's place, {seating...}}`` (None: it brings none)."""
    reply = changed.args[0] if changed.args else None
    if isinstance(reply, list) and len(reply) > 2 and isinstance(reply[2], list):
        return seated_all(reply[2])
    return None


def unknown(key: str, name: str) -> RedisSeating:
    """What a node assumes of a room it has no seating of yet: as typed,
    open, not big, not an account's; the premises say so, and a script
    refuses with the seating if that is wrong."""
    return RedisSeating(key, name=name)
