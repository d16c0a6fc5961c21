"""A room's seating and its name: who is in a room, who owns it, whether
it is, and what it is called.

:mod:`chatroom.core.rooms.entries` decides a join, a create or a leave,
:mod:`chatroom.core.rooms.departures` a session's departures and
:mod:`chatroom.core.rooms.settling` a room's succession, each into one change
of :class:`RoomSeating`; a rename (:mod:`chatroom.core.services.rooms`)
is a change of :class:`RoomName`. The premises here are the seating's
facts a decision read; several of them (the room's :class:`Incarnation`
and :class:`Version`, who is :class:`Present` or quiet) guard the other
subjects of a room too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from chatroom.core.model.changes.base import (
    Operation,
    Premise,
    RoomSubject,
    declare,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.events import Departure, RoomEvent
from chatroom.core.model.facts import RoomPolicy

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class RoomSeating(RoomSubject):
    """Who is in room ``room`` (its name key), who owns it, whether it is."""


@dataclass(frozen=True)
class RoomName(RoomSubject):
    """The name room ``room`` (its name key) is known by: what a rename
    changes, with everything kept under it."""


# -- a room's seating: premises ------------------------------------------------


@dataclass(frozen=True)
class Exists(Premise):
    """The subject exists (``exists`` True) or does not yet (a room to
    make: False)."""

    exists: bool = True


@dataclass(frozen=True)
class Incarnation(Premise):
    """The room is this making of it (a room deleted and made again is
    another: what was decided on the first holds nothing on the second)."""

    incarnation: str


@dataclass(frozen=True)
class Version(Premise):
    """The subject's settings are as read at this version (a room's policy:
    bans, invitations, key, limit, moderation)."""

    version: str


@dataclass(frozen=True)
class Unrestricted(Premise):
    """The room's policy restricts no join (no bans, invitation, key or
    limit): the entry rule was decided on an open room."""


@dataclass(frozen=True)
class CapacityIs(Premise):
    """The room seats at most ``capacity`` (``--room-capacity`` when it was
    made): the space rule was decided on it."""

    capacity: int


@dataclass(frozen=True)
class FewerMembersThan(Premise):
    """The room has fewer than ``count`` members: a seat taken under the
    capacity or limit the core decided is ``count``."""

    count: int


@dataclass(frozen=True)
class FewerRoomsThan(Premise):
    """The server has fewer than ``count`` rooms, unless the subject is
    one of them already (``--max-rooms``: a new room is the one too many)."""

    count: int


@dataclass(frozen=True)
class Named(Premise):
    """The room is shown as ``name`` (its events were made with it)."""

    name: str


@dataclass(frozen=True)
class OwnerIs(Premise):
    """The room's owner is ``owner`` (a name key; "" for none)."""

    owner: str


@dataclass(frozen=True)
class OwnerHere(Premise):
    """The owner is a member (``here``), or absent."""

    here: bool


@dataclass(frozen=True)
class OwnerAccountIs(Premise):
    """The account owning a ``keep`` room is ``account`` ("" for none)."""

    account: str


@dataclass(frozen=True)
class Stays(Premise):
    """The room is ``permanent`` (named at start-up), or not, and its
    policy keeps it (``keep``), or not: what the core decided whether it
    stays when empty on (:attr:`chatroom.core.model.facts.Seating.stays`)."""

    permanent: bool
    keep: bool


@dataclass(frozen=True)
class QuietAt(Premise):
    """A joiner is quiet (``quiet``) in a room of ``threshold`` members or
    more (``--big-room``), and was decided so: the room has at least
    ``threshold`` members exactly when ``quiet``."""

    threshold: int
    quiet: bool


@dataclass(frozen=True)
class Present(Premise):
    """Of the users ``among`` (name keys), exactly ``users`` are members."""

    among: tuple[str, ...]
    users: tuple[str, ...]


@dataclass(frozen=True)
class SeatHeldBy(Premise):
    """User ``user``'s seat (a name key's) is held by session ``session``
    (a token): one of the sessions the room names as holding it, or the
    room names none. A session's end rests its departures on it, so that
    an end which read the room late (its name freed meanwhile by another
    end of the same session, and taken again) leaves the new session's
    seat where it is."""

    user: str
    session: str


@dataclass(frozen=True)
class Absent(Premise):
    """User ``user`` (a name key) is not a member (a join's)."""

    user: str


@dataclass(frozen=True)
class QuietAmong(Premise):
    """Of the users ``among``, exactly ``users`` joined quietly and have not
    spoken."""

    among: tuple[str, ...]
    users: tuple[str, ...]


@dataclass(frozen=True)
class HeirIs(Premise):
    """The longest-present member but ``but`` is ``heir`` ("" for none)."""

    heir: str
    but: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirstMembers(Premise):
    """The room's first ``count`` members in arrival order (all, if it has
    fewer) are ``keys`` (name keys): several leaving at once, each heir
    was decided on them."""

    keys: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class ClaimantIs(Premise):
    """Of the members signed in to the account owning a ``keep`` room that
    nobody holds, the longest-present is ``claimant`` (a name key; "" for
    none, or a room not in that case)."""

    claimant: str


@dataclass(frozen=True)
class WaitOver(Premise):
    """The room waits for its members, and its wait was over by ``due``
    (ms): no member came back and ended it, no other node settled it."""

    due: int


@dataclass(frozen=True)
class EmptiedBy(Premise):
    """The room is left empty once ``users`` are out (``empties``), or not."""

    users: tuple[str, ...]
    empties: bool


@dataclass(frozen=True)
class NewestIdAtLeast(Premise):
    """The room's newest event id is at least ``id``: a resume from ``id``
    starts after it (:func:`chatroom.core.policy.rules.catch_up`)."""

    id: int


@dataclass(frozen=True)
class NewestIdBelow(Premise):
    """The room's newest event id is below ``id``: a resume from ``id``
    (an id it never had) is shown the newest events instead."""

    id: int


# -- a room's seating: operations ----------------------------------------------


@dataclass(frozen=True)
class MakeRoom(Operation):
    """Make room ``name`` (empty, nobody's yet), at ``now`` (Unix seconds)."""

    name: str
    now: int = 0


@dataclass(frozen=True)
class AddMember(Operation):
    """Seat user ``user`` (a name key, shown as ``name``), quietly (its
    arrival not shown yet) or not."""

    user: str
    name: str
    quiet: bool = False


@dataclass(frozen=True)
class RemoveMember(Operation):
    """Take user ``user`` (a name key) out."""

    user: str


@dataclass(frozen=True)
class SetOwner(Operation):
    """The room is now ``owner``'s (a name key; "" for nobody's)."""

    owner: str


@dataclass(frozen=True)
class SetPolicy(Operation):
    """The room's policy (settings, operators, voices, bans, invitations)
    is now ``policy`` (a moderation's; or a new room's, its founder's
    account's: :func:`chatroom.core.rooms.membership.founded`)."""

    policy: RoomPolicy


@dataclass(frozen=True)
class Emit(Operation):
    """Show the subject's members ``event`` (made by the core), in order
    with the other operations (and kept, where it is kept)."""

    event: RoomEvent


@dataclass(frozen=True)
class Drop(Operation):
    """The room is gone."""


@dataclass(frozen=True)
class Wait(Operation):
    """The room, empty, waits for its members until ``until`` (ms)."""

    until: int


@dataclass(frozen=True)
class Waited(Operation):
    """The room's wait for its members is over."""


@dataclass(frozen=True)
class ReplyHistory(Operation):
    """The joiner's reply shows the kept events after id ``after``, at most
    the newest ``most``: a resume's window, where the core decided it
    starts."""

    after: int
    most: int


# -- a room's name: premises and operations ------------------------------------


@dataclass(frozen=True)
class NameFree(Premise):
    """No room is called ``name`` (a name key), and no other room was
    called it within its rename's grace: a rename's new name."""

    name: str


@dataclass(frozen=True)
class RenameRoom(Operation):
    """The room is called ``name`` from now on, with everything it keeps
    (history, members, settings, pins, webhooks, moderation log, and the
    accounts' read markers, notification levels and follows of it). Its
    former name leads a join to it until ``until`` (Unix seconds: the
    core's ``--rename-grace`` from now), then is free."""

    name: str
    until: float


# -- what membership decides, before it is a change ----------------------------


class Fate(enum.Enum):
    """What becomes of a room a member left."""

    #: It has members still, or is kept when empty.
    STAYS = "stays"
    #: Empty, and gone.
    DROPPED = "dropped"
    #: Empty, kept a while for its members to come back (their node went).
    WAITS = "waits"


@dataclass(frozen=True)
class Arrival:
    """What a join changes: the seat (``quiet``: unannounced), the owner
    (the joiner's key, or None: unchanged) and what the room is shown."""

    quiet: bool
    owner: str | None
    events: tuple[RoomEvent, ...]


@dataclass(frozen=True)
class Leaving:
    """What a departure changes: the new owner (a key; "" ownerless; None
    unchanged), what the room is shown, in order, and the room's fate."""

    owner: str | None
    events: tuple[RoomEvent, ...]
    fate: Fate

    @property
    def shown(self) -> bool:
        """Whether the room is shown the departure itself."""
        return any(isinstance(event, Departure) for event in self.events)


@dataclass(frozen=True)
class Succession:
    """A room whose wait is over: dropped, or handed to ``owner`` (None:
    unchanged), with what its members are shown."""

    dropped: bool
    owner: str | None = None
    events: tuple[RoomEvent, ...] = ()


# -- the declarations ------------------------------------------------------------

declare(
    RoomSeating,
    operations=(
        MakeRoom,
        AddMember,
        RemoveMember,
        SetOwner,
        SetPolicy,
        Emit,
        Drop,
        Wait,
        Waited,
        ReplyHistory,
    ),
    premises=(
        Incarnation,
        Version,
        Exists,
        Unrestricted,
        CapacityIs,
        FewerMembersThan,
        FewerRoomsThan,
        Named,
        OwnerIs,
        OwnerHere,
        OwnerAccountIs,
        Stays,
        QuietAt,
        Present,
        SeatHeldBy,
        Absent,
        QuietAmong,
        HeirIs,
        FirstMembers,
        ClaimantIs,
        WaitOver,
        EmptiedBy,
        NewestIdAtLeast,
        NewestIdBelow,
    ),
)
declare(
    RoomName,
    operations=(Emit, RenameRoom, RecordEntries),
    premises=(Incarnation, Version, OwnerIs, NameFree),
)
