"""A decided change: what a back-end applies, and the premises it rests on.

Every write goes one way (Synapse's ``update_membership``: read, decide,
then persist). The core reads the facts it needs from a back-end, decides
with its rules (:mod:`chatroom.core.membership`,
:mod:`chatroom.core.moderation`, :mod:`chatroom.core.rules`) and hands the
back-end one :class:`DecidedChange`: *what* it is about (its :data:`Subject`: a
room's seating, a room's messages, an account's markers), the
*operations* to perform there, in order, and the *premises* they rest on:
each a fact the decision read that must still be as it was ("the room is
incarnation X", "fewer than N members", "the owner is O").

A back-end applies a change atomically, checking every premise first: the
local back-end on its own state (nothing changes between a read and an
apply in one process, yet the check is the same), Redis in one script. If
a premise no longer holds it applies nothing and answers
:class:`PremiseFailedError` with the facts as they are now; the core then
decides again on those, a bounded number of times
(:mod:`chatroom.core.retrying`), then ``UNAVAILABLE``.

These are plain values: no callable, no rule. A back-end interprets them
and decides nothing; what a rule decided reaches it as an operand (the
``N`` of :class:`FewerMembersThan`, the quietness of :class:`AddMember`), never
as the rule. Premises and operations are named for what they say, so that
one vocabulary serves every kind of write; a kind of write adds its own
types here, beside these.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from chatroom.core.events import (
    Departure,
    Event,
    Kicked,
    Message,
    PrivateEvent,
    PrivateMessage,
    RoomEvent,
    StoredEvent,
)
from chatroom.core.facts import RoomPolicy
from chatroom.core.filerecord import FileRecord
from chatroom.core.hooks import Hook
from chatroom.core.modentry import ModEntry
from chatroom.core.subscription import Subscription
from chatroom.core.whowas import Departed

#: How often a decision is made when its premises keep failing under it
#: (:mod:`chatroom.core.retrying`), before ``UNAVAILABLE``.
DECISION_ATTEMPTS = 5


class FactsChangedError(Exception):
    """The facts a decision was made on changed before it was applied (the
    back-end applied nothing); the core reads and decides again."""


class PremiseFailedError(FactsChangedError):
    """A premise of a change no longer holds, and nothing was applied.

    ``facts`` are the facts as the back-end found them (of the kind the
    core reads for that decision: for a room's seating,
    :class:`~chatroom.core.facts.SeatingFacts`), or None when it has none
    to offer and the core must read them again. ``premise`` is the one
    that failed, when the back-end knows which (for logs and tests)."""

    def __init__(self, facts: object = None, premise: Premise | None = None) -> None:
        super().__init__(facts, premise)
        self.facts = facts
        self.premise = premise


# -- subjects: what a change is about ------------------------------------------


@dataclass(frozen=True)
class RoomSeating:
    """Who is in room ``room`` (its name key), who owns it, whether it is."""

    room: str


@dataclass(frozen=True)
class RoomMessages:
    """What room ``room`` (its name key) keeps and publishes."""

    room: str


@dataclass(frozen=True)
class RoomModeration:
    """Room ``room``'s policy and owner (its name key): what a moderation
    command or a server admin's gift changes."""

    room: str


@dataclass(frozen=True)
class RoomHooks:
    """Room ``room``'s webhooks (its name key)."""

    room: str


@dataclass(frozen=True)
class AccountMarkers:
    """Account ``account``'s read markers (its name key)."""

    account: str


@dataclass(frozen=True)
class AccountRecord:
    """Account ``account``'s record (its name key): the name it was
    registered as, its password hash and its SCRAM keys, its mailbox and
    its app passwords."""

    account: str


@dataclass(frozen=True)
class AccountPush:
    """Account ``account``'s Web Push subscriptions (its name key)."""

    account: str


@dataclass(frozen=True)
class AccountRooms:
    """The rooms account ``account`` (its name key) is put back in when it
    signs in again."""

    account: str


@dataclass(frozen=True)
class RoomPins:
    """The messages room ``room`` (its name key) keeps pinned."""

    room: str


@dataclass(frozen=True)
class RoomName:
    """The name room ``room`` (its name key) is known by: what a rename
    changes, with everything kept under it."""

    room: str


@dataclass(frozen=True)
class AccountSettings:
    """What account ``account`` (its name key) chose for itself: the
    threads it follows, each room's notification level, its profile
    (:mod:`chatroom.core.account_settings`)."""

    account: str


@dataclass(frozen=True)
class AccountIgnores:
    """The names account ``account`` (its name key) ignores."""

    account: str


@dataclass(frozen=True)
class AccountWaiting:
    """The private messages kept for account ``account`` (its name key)
    while nobody is signed in to it."""

    account: str


@dataclass(frozen=True)
class PrivateConversation:
    """Private conversation ``key`` (its parties' keys,
    :func:`chatroom.core.private.conversation_key`): a message kept in it,
    or deleted. One operation a change."""

    key: str


@dataclass(frozen=True)
class AccountAge:
    """When account ``account`` (its name key) was registered."""

    account: str


@dataclass(frozen=True)
class AccountFiles:
    """The files account ``account`` (its name key) uploaded: one
    recorded, or one removed."""

    account: str


@dataclass(frozen=True)
class CountedEvents:
    """The events counted under ``key`` in a sliding window, shared by
    every node of a cluster (a registration throttle's:
    ``register-address:<address>``, ``register-all:``)."""

    key: str


@dataclass(frozen=True)
class CountedFailures:
    """The failures counted under ``keys`` by a back-off (wrong passwords
    and codes, per name, per address or per signed-in session:
    ``sign-in-name:<key>``, ``sign-in-address:<address>``...), shared by
    every node of a cluster. One change counts under all its keys at once:
    every premise checked before any failure is counted. ``at`` is the
    step's time on the core's clock: when each failure counted happened,
    and what each wait is measured to."""

    keys: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class ServerLockdown:
    """The server's lockdown level (:mod:`chatroom.core.lockdown`)."""


@dataclass(frozen=True)
class ServerReports:
    """The server's reports of messages (:mod:`chatroom.core.abuse_reports`)."""


@dataclass(frozen=True)
class ServerBanList:
    """The masks banned from the whole server, with their terms
    (:mod:`chatroom.core.serverbans`)."""


@dataclass(frozen=True)
class InvitationCode:
    """The invitation kept under ``code`` (the SHA-256 of its code, never
    the code: :mod:`chatroom.core.invitations`)."""

    code: str


@dataclass(frozen=True)
class ModerationLogOf:
    """Moderation log ``log``: a room's (its name key) or the server's
    (:data:`~chatroom.core.modlog.SERVER_LOG`). Its entries record steps
    applied already, so a change of it rests on no premise."""

    log: str


@dataclass(frozen=True)
class KeptExport:
    """The export kept under ``token`` (``/export``'s one-time link) until
    its deadline."""

    token: str


@dataclass(frozen=True)
class AccountUploadTokens:
    """The ``/token`` bearer tokens given to account ``account`` (its name
    key), each good until its deadline."""

    account: str


@dataclass(frozen=True)
class AccountHoldings:
    """Everything kept of account ``account`` (its name key) but its room
    messages: the account, its read markers, remembered rooms and
    settings, its private conversations, the messages kept for it and
    those it sent that wait for others (what a deletion erases)."""

    account: str


@dataclass(frozen=True)
class NameHolders:
    """The past holders of name ``name`` (its name key), for ``WHOWAS``."""

    name: str


@dataclass(frozen=True)
class StoredHistories:
    """Every room's kept events, all at once: what a sweep by age
    (:mod:`chatroom.core.retention`) changes, whether or not anyone
    speaks."""


#: The subjects that are about one room (:attr:`DecidedChange.room`).
RoomSubject = (
    RoomSeating | RoomMessages | RoomModeration | RoomHooks | RoomPins | RoomName
)

Subject = (
    RoomSubject
    | AccountMarkers
    | AccountRecord
    | AccountPush
    | AccountRooms
    | AccountSettings
    | AccountWaiting
    | PrivateConversation
    | AccountFiles
    | CountedEvents
    | CountedFailures
    | ServerLockdown
    | ServerReports
    | ServerBanList
    | InvitationCode
    | AccountIgnores
    | AccountAge
    | ModerationLogOf
    | KeptExport
    | AccountUploadTokens
    | AccountHoldings
    | NameHolders
    | StoredHistories
)


# -- premises: what a decision read, that must still hold ----------------------


@dataclass(frozen=True)
class Premise:
    """A fact a decision rested on. Subclasses say which."""


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
    stays when empty on (:attr:`chatroom.core.facts.Seating.stays`)."""

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
    starts after it (:func:`chatroom.core.rules.catch_up`)."""

    id: int


@dataclass(frozen=True)
class NewestIdBelow(Premise):
    """The room's newest event id is below ``id``: a resume from ``id``
    (an id it never had) is shown the newest events instead."""

    id: int


# -- operations: what a back-end performs, in order ----------------------------


@dataclass(frozen=True)
class Operation:
    """One step of a change. Subclasses say which."""


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


# -- what membership decides, before it is a change ----------------------------
#
# The outcomes of :mod:`chatroom.core.membership`'s rules, which the core
# turns into operations (:mod:`chatroom.core.entries`,
# :mod:`chatroom.core.settling`): here, in a leaf, so that whatever names
# them imports no rule.


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


# -- a change -----------------------------------------------------------------

Op = TypeVar("Op", bound=Operation)
Pr = TypeVar("Pr", bound=Premise)


@dataclass(frozen=True)
class DecidedChange:
    """One decided change of ``subject``: ``ops`` performed in order if
    every one of ``premises`` holds, else nothing
    (:class:`PremiseFailedError`). ``about``: the users the decision was
    about (name keys), whose facts a refusal brings back."""

    subject: Subject
    premises: tuple[Premise, ...] = ()
    ops: tuple[Operation, ...] = ()
    about: tuple[str, ...] = ()

    @property
    def room(self) -> str:
        """The key of the room the change is about (a room's seating,
        messages, moderation, webhooks, pins or name; an account's markers,
        record, subscriptions or rooms are about no room)."""
        if not isinstance(self.subject, RoomSubject):
            raise TypeError(f"{self.subject!r} is about no room")
        return self.subject.room

    def of(self, kind: type[Op]) -> tuple[Op, ...]:
        """The operations of one kind, in order."""
        return tuple(op for op in self.ops if isinstance(op, kind))

    def premise(self, kind: type[Pr]) -> Pr | None:
        """The premise of one kind, if the change rests on one."""
        return next((p for p in self.premises if isinstance(p, kind)), None)


#: The back-end's one write (:meth:`chatroom.core.backend.Backend.apply`)
#: as a service of the core is handed it: a decided change applied, or
#: :class:`PremiseFailedError` (nothing applied).
Apply = Callable[[DecidedChange], Coroutine[Any, Any, None]]


def by_nobody(
    apply: Callable[[DecidedChange], Awaitable[None]],
) -> Callable[[DecidedChange, object], Awaitable[None]]:
    """A store's own apply as one step of a back-end's table of
    :meth:`~chatroom.core.backend.Backend.apply`: such a change (an
    account's, a room's hooks or pins, the server's) is by no member or
    session, so the step passes the change alone."""

    async def applied(change: DecidedChange, by: object) -> None:
        await apply(change)

    return applied


# -- a room's messages: premises and operations ---------------------------------


@dataclass(frozen=True)
class Unmoderated(Premise):
    """The room is not moderated (``+m`` off), so any member may speak: an
    ordinary message rests on this alone, decided with no read of the
    room's facts (a moderated room's, or one from outside, rests on the
    room's :class:`Incarnation` and :class:`Version` instead)."""


@dataclass(frozen=True)
class Announce(Operation):
    """Show ``event`` (user ``user``'s ``JOIN``: a name key) before its
    first words; the user is quiet no more (:func:`chatroom.core.
    membership.speaking`; the change rests on :class:`QuietAmong`)."""

    user: str
    event: RoomEvent


@dataclass(frozen=True)
class Append(Operation):
    """Number ``event`` with the room's next id (its ``id`` set), show it
    to the room's members and keep it (said at ``now``, Unix seconds): a
    message, a topic change. ``outside``: its speaker need not be a member
    (the room takes messages from outside, as the change's premises say
    it was read). ``oldest``: the room's kept events said before it go,
    of every kind, oldest first (Unix seconds,
    :func:`chatroom.core.rules.oldest_kept`; 0: none goes for its age)."""

    event: StoredEvent
    now: float
    outside: bool = False
    oldest: float = 0.0


@dataclass(frozen=True)
class SetTopic(Operation):
    """The room's topic is now ``text``, set by ``by`` (a name as shown)
    at ``at`` (Unix seconds)."""

    text: str
    by: str
    at: int


# -- a room's messages said before: premises and operations ---------------------


@dataclass(frozen=True)
class MessageIs(Premise):
    """Stored message ``message`` (its ``id`` set) is kept as the decision
    read it: neither changed nor gone since (an edit, a redaction or a
    reaction rests on the message it was decided on)."""

    message: Message


@dataclass(frozen=True)
class Reacted(Premise):
    """User ``user`` (a name key) has given ``reaction`` to message
    ``target`` (``given``), or has not: adding a reaction rests on its not
    being given yet, taking it back on its being given."""

    target: str
    reaction: str
    user: str
    given: bool


@dataclass(frozen=True)
class FewerReactionsThan(Premise):
    """Message ``target`` carries fewer than ``count`` distinct reactions,
    or carries ``reaction`` already: a reaction added under the most the
    core allows (:data:`~chatroom.core.reactions.REACTIONS_PER_MESSAGE`)."""

    target: str
    reaction: str
    count: int


@dataclass(frozen=True)
class Rewrite(Operation):
    """Stored message ``id`` now reads as ``replacement`` (an edit), or is
    gone with the edits and reactions that depend on it (None: a
    redaction)."""

    id: str
    replacement: Message | None


@dataclass(frozen=True)
class React(Operation):
    """User ``user`` (a name key) gives ``reaction`` to message ``target``
    (``adding``), or takes it back."""

    target: str
    reaction: str
    user: str
    adding: bool


# -- a deleted account's room messages: premises and operations ----------------


@dataclass(frozen=True)
class EventIs(Premise):
    """Stored event ``event`` (its ``id`` set) is kept as the decision read
    it, or no longer kept at all (past what the room keeps: nothing left
    to change): neither changed nor redacted since. A refusal brings no
    facts; the core reads them again."""

    event: StoredEvent


@dataclass(frozen=True)
class ReplaceEvent(Operation):
    """Stored event ``id`` now reads as ``replacement``, all of it (its
    author too), or is gone (None), its id left unused: what a deleted
    account's words become (:func:`chatroom.core.userdata.erasure`). It
    changes that one event: the events that depend on it have their own."""

    id: str
    replacement: StoredEvent | None


# -- a room's webhooks: premises and operations ---------------------------------


@dataclass(frozen=True)
class HookHeld(Premise):
    """The room has a webhook called ``name`` (a name key: ``held``), or
    has none of that name."""

    name: str
    held: bool


@dataclass(frozen=True)
class FewerHooksThan(Premise):
    """The room has fewer than ``count`` webhooks: one more added under the
    most the core allows (:data:`~chatroom.core.webhooks.HOOKS_PER_ROOM`)."""

    count: int


@dataclass(frozen=True)
class AddHook(Operation):
    """Keep ``hook`` (its room's, under its name), and know it by its
    secret."""

    hook: Hook


@dataclass(frozen=True)
class RemoveHook(Operation):
    """The room's webhook called ``name`` (a name key) goes, and its
    secret admits no post."""

    name: str


# -- a room's pins: operations ---------------------------------------------------


@dataclass(frozen=True)
class SetPin(Operation):
    """Message ``event_id`` of the room is pinned by ``by`` (a name as
    shown), or no longer pinned (``pinned`` False)."""

    event_id: int
    by: str
    pinned: bool


# -- an account's settings: operations -------------------------------------------


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


@dataclass(frozen=True)
class SetFollow(Operation):
    """The account follows thread ``thread`` (``following``) or unfollowed
    it (a :func:`~chatroom.core.thread_follows.follow_key`)."""

    thread: str
    following: bool


@dataclass(frozen=True)
class SetNotifyLevel(Operation):
    """The account's notification level in room ``room`` (a name key) is
    now ``level`` (:mod:`chatroom.core.notify_levels`)."""

    room: str
    level: str


@dataclass(frozen=True)
class SetMissedMail(Operation):
    """Whether the account is mailed what it missed while away
    (:mod:`chatroom.core.missed_mail`): ``on``, or not."""

    on: bool


@dataclass(frozen=True)
class SetChoice(Operation):
    """The account's own choice ``name`` of how a door shows things is now
    ``value`` (:mod:`chatroom.core.door_settings`: ``irc-notes on|off``)."""

    name: str
    value: str


@dataclass(frozen=True)
class SetSent(Operation):
    """The newest event of room ``room`` (a name key) that a session of
    the account at door ``door`` was sent is ``event_id``: where the
    door's next replay of the room starts (:mod:`chatroom.core.door_settings`)."""

    door: str
    room: str
    event_id: int


@dataclass(frozen=True)
class SetProfile(Operation):
    """The account's profile key ``key`` is now ``value`` ("": removed;
    :mod:`chatroom.core.profiles`)."""

    key: str
    value: str


# -- an account's read markers: premises and operations -------------------------


@dataclass(frozen=True)
class MarkerAtMost(Premise):
    """The account's read marker in room ``room`` (a name key) is at most
    ``event_id``, or it has none: a marker set to ``event_id`` moves
    forward or stays (:mod:`chatroom.core.markers`: markers only move
    forward). A refusal brings the marker in force."""

    room: str
    event_id: int


@dataclass(frozen=True)
class SetMarker(Operation):
    """The account's read marker in room ``room`` (a name key) is now
    ``event_id``."""

    room: str
    event_id: int


@dataclass(frozen=True)
class TellOtherNodes(Operation):
    """Tell ``event`` to the account's sessions on the other nodes of a
    cluster, all but seat ``token``'s (one process has none), after what
    was told them before."""

    event: Event
    token: str


# -- a room's moderation: premises and operations -------------------------------


@dataclass(frozen=True)
class SessionIs(Premise):
    """User ``user`` (a name key) is connected as session ``session`` (its
    token; "" for not connected): the user a command named is the one its
    decision read."""

    user: str
    session: str


@dataclass(frozen=True)
class SetPolicy(Operation):
    """The room's policy (settings, operators, voices, bans, invitations)
    is now ``policy``."""

    policy: RoomPolicy


@dataclass(frozen=True)
class KickMember(Operation):
    """Take user ``user`` (a name key; its session ``session``) out of the
    room, which is shown ``departure``, as ``leave`` says: the departure
    the core decided on the user's seating (:func:`chatroom.core.membership.
    leave`: the heir, the room's fate), with the premises it rests on, which
    hold with the moderation's or neither is applied; the user is told
    ``told`` wherever it is (``KICKED``)."""

    user: str
    session: str
    departure: Departure
    told: Kicked
    leave: DecidedChange


@dataclass(frozen=True)
class TellUser(Operation):
    """Tell user ``user`` (a name as shown) ``event`` wherever they are (an
    invitation)."""

    user: str
    event: Event


# -- an account's record: premises and operations -------------------------------

AccountSubject = TypeVar(
    "AccountSubject",
    AccountRecord,
    AccountPush,
    AccountRooms,
    AccountSettings,
    AccountWaiting,
    AccountFiles,
    AccountIgnores,
    AccountAge,
    AccountUploadTokens,
    AccountHoldings,
)


def account_of(change: DecidedChange, kind: type[AccountSubject]) -> str:
    """The key of the account a change of ``kind`` is about (a back-end
    that applies that kind of change alone is handed no other)."""
    if not isinstance(change.subject, kind):
        raise TypeError(f"{change.subject!r} is no {kind.__name__}")
    return change.subject.account


@dataclass(frozen=True)
class Registered(Premise):
    """The account the change is of is registered still: a write of what
    is kept for it (a private message waiting for it, a push
    subscription, an upload token) decided before its deletion, on a node
    that had not yet heard of it, and come after, is refused and keeps
    nothing. A refusal brings no facts."""


@dataclass(frozen=True)
class PasswordHashIs(Premise):
    """The account exists and its password hash is ``hash``: the password
    a decision checked (or replaced) is still the account's. A refusal
    brings the account as it is now
    (:class:`~chatroom.core.accountrecord.Account`, or None: gone)."""

    hash: str


@dataclass(frozen=True)
class MakeAccount(Operation):
    """Register the account, as ``name`` (its password set in the same
    change: :class:`SetPassword`). Rests on :class:`Exists` False."""

    name: str


@dataclass(frozen=True)
class SetPassword(Operation):
    """The account's password is now the one hashed ``hash`` (Argon2id),
    with SCRAM keys ``scram`` (RFC 5803's form) made from it."""

    hash: str
    scram: str


@dataclass(frozen=True)
class SetScramKeys(Operation):
    """The account's SCRAM keys are now ``scram``, its password unchanged
    (keys made at a sign-in, for an account that had none)."""

    scram: str


@dataclass(frozen=True)
class MailboxIs(Premise):
    """The account exists and its mailbox (its e-mail address and the codes
    mailed to it, as :class:`~chatroom.core.accountrecord.Mailbox` encodes them)
    is ``mailbox``: a code a decision checked is still the one kept, so it
    is used once. A refusal brings the account as it is now."""

    mailbox: str


@dataclass(frozen=True)
class SetMailbox(Operation):
    """The account's mailbox is now ``mailbox`` (encoded; "" for none)."""

    mailbox: str


@dataclass(frozen=True)
class AppPasswordsAre(Premise):
    """The account exists and its app passwords (as
    :func:`~chatroom.core.accountrecord.encode_app_passwords` encodes them)
    are ``app_passwords``: a label found free is still free, one found kept
    is still kept, and the most an account keeps is not passed by two
    devices adding at once. A refusal brings the account as it is now."""

    app_passwords: str


@dataclass(frozen=True)
class SetAppPasswords(Operation):
    """The account's app passwords are now ``app_passwords`` (encoded; ""
    for none)."""

    app_passwords: str


@dataclass(frozen=True)
class OidcUnbound(Premise):
    """No account is bound to ``oidc`` (an OpenID provider's issuer and
    subject, as :func:`chatroom.core.oidc.binding` encodes them): a first
    sign-in through the provider makes one account, not two. A refusal
    brings no facts: the core reads the binding again."""

    oidc: str


@dataclass(frozen=True)
class BindOidc(Operation):
    """The account is bound to ``oidc``: a sign-in through the provider as
    that subject is a sign-in to it, whatever the account is called. The
    binding goes with the account."""

    oidc: str


@dataclass(frozen=True)
class DropAccount(Operation):
    """The account goes, with its read markers, its remembered rooms and
    the private messages kept for it."""


# -- an account's push subscriptions: premises and operations -------------------


@dataclass(frozen=True)
class FewerSubscriptionsThan(Premise):
    """The account keeps fewer than ``count`` subscriptions, or keeps one
    at ``endpoint`` already (which the change replaces): a subscription
    added under the most the core allows. A refusal brings the account's
    subscriptions as they are now (a list of
    :class:`~chatroom.core.subscription.Subscription`)."""

    count: int
    endpoint: str


@dataclass(frozen=True)
class Subscribed(Premise):
    """The account keeps a subscription at ``endpoint``. A refusal brings
    its subscriptions as they are now."""

    endpoint: str


@dataclass(frozen=True)
class AddSubscription(Operation):
    """Keep ``subscription`` for the account, in place of its own at the
    same endpoint; an endpoint is one account's, so it leaves any other
    account that kept it (a browser subscribed again under another)."""

    subscription: Subscription


@dataclass(frozen=True)
class RemoveSubscription(Operation):
    """Forget the account's subscription at ``endpoint``."""

    endpoint: str


@dataclass(frozen=True)
class DropSubscriptions(Operation):
    """Forget every subscription of the account (deleted, or signed out
    everywhere by a reset), whatever it keeps: a change of it alone, on
    no premise."""


# -- an account's remembered rooms: operations ----------------------------------
#
# They rest on no premise: the core records where the account went (a
# join, a leave, a kick seen), deciding nothing on a read.


@dataclass(frozen=True)
class RememberRoom(Operation):
    """The account is in room ``name`` (as the room names itself): kept
    after the rooms it entered before, unless it is kept already."""

    name: str


@dataclass(frozen=True)
class ForgetRoom(Operation):
    """The account is out of room ``name``."""

    name: str


# -- events counted in a sliding window: premises and operations ----------------


@dataclass(frozen=True)
class FewerThan(Premise):
    """The subject counts fewer than ``count`` events in its last
    ``window`` seconds (on the counter's clock): one more counted under the
    most the core allows. A refusal brings the seconds until the oldest of
    them leaves the window (a float)."""

    count: int
    window: float


@dataclass(frozen=True)
class CountEvent(Operation):
    """One more event counted, now, for ``window`` seconds."""

    window: float


@dataclass(frozen=True)
class UncountEvent(Operation):
    """The newest event counted did not happen after all."""


# -- failures counted under a back-off: premises and operations -----------------


@dataclass(frozen=True)
class WaitedOut(Premise):
    """Key ``key``'s back-off is over: after ``free`` failures, the last
    one was at least ``waits[n]`` seconds before the change's ``at``,
    ``n`` counting the failures past ``free`` (the last wait once ``n`` is
    past the table's end). The waits are the core's rule (doubling up to a
    cap); the counter only looks them up. A refusal brings the seconds
    left (a float)."""

    key: str
    free: int
    waits: tuple[float, ...]


@dataclass(frozen=True)
class CountFailure(Operation):
    """One more failure under ``key``, now; the key's failures are all
    forgotten ``forget`` seconds after its last one."""

    key: str
    forget: float


@dataclass(frozen=True)
class UncountFailure(Operation):
    """A failure counted under ``key`` was not one after all."""

    key: str


@dataclass(frozen=True)
class ClearFailures(Operation):
    """Every failure under ``key`` forgotten (its owner proved right)."""

    key: str


# -- private messages kept for an absent account: premises and operations -------
#
# A message kept rests on nobody being signed in to the account
# (:class:`SessionIs` with no session: a refusal then means it is told
# instead) and on :class:`FewerWaitingThan`.


@dataclass(frozen=True)
class FewerWaitingThan(Premise):
    """Fewer than ``count`` messages wait for the account: one more kept
    under the most the core allows (``--kept-private``)."""

    count: int


@dataclass(frozen=True)
class KeepPrivate(Operation):
    """Keep ``event`` (numbered, of conversation ``conversation``) for the
    account until it signs in; in the same step the sender's copy goes to
    the devices of account ``copy_account`` on the nodes other than seat
    ``copy_token``'s ("": no copy)."""

    conversation: str
    event: PrivateMessage
    copy_account: str = ""
    copy_token: str = ""


# -- a private conversation's messages: premises and operations ------------------


@dataclass(frozen=True)
class AppendPrivate(Operation):
    """Number ``event`` (a private message, or a tags-only one) with the
    conversation's next id (its ``id`` set) and keep it among the
    conversation's newest ``--conversation-retention``. Rests on
    :class:`PartyRegistered` for each party that is an account."""

    event: PrivateEvent


@dataclass(frozen=True)
class PrivateKept(Premise):
    """Message ``event_id`` is kept in the conversation still (neither
    trimmed nor deleted), as the decision read it. A refusal brings no
    facts: it is gone."""

    event_id: int


@dataclass(frozen=True)
class PartyRegistered(Premise):
    """Account ``account``, one side of the conversation (the recipient's
    or the sender's), is registered still: a message appended to a
    conversation with an account, decided before the account's deletion
    and come after, is refused and keeps nothing (no conversation names
    the deleted account again). A refusal brings no facts."""

    account: str


@dataclass(frozen=True)
class DeletePrivate(Operation):
    """Message ``event_id`` of the conversation is deleted: gone from it,
    from what waits for either party and from search (resting on
    :class:`PrivateKept`)."""

    event_id: int


# -- an account's uploaded files: premises and operations -----------------------


@dataclass(frozen=True)
class UsageAtMost(Premise):
    """The account's files take at most ``size`` bytes: one more upload
    fits under ``--upload-quota`` (the core's operand: the quota less the
    upload's size). A refusal brings the bytes they take now (an int)."""

    size: int


@dataclass(frozen=True)
class AddFile(Operation):
    """Record ``record`` (its bytes are stored already), counted in its
    account's usage."""

    record: FileRecord


@dataclass(frozen=True)
class FileKept(Premise):
    """File ``file_id`` is recorded, as read (its uploader, what a removal
    is allowed on): it is removed once. A refusal brings no facts."""

    file_id: str


@dataclass(frozen=True)
class RemoveFile(Operation):
    """File ``file_id``'s record goes (its bytes went first), and no longer
    counts in its account's usage (resting on :class:`FileKept`)."""

    file_id: str


# -- a name's past holders: operations -------------------------------------------


@dataclass(frozen=True)
class RememberGone(Operation):
    """``gone`` left the name: the newest of its past holders (the oldest
    beyond what the back-end keeps go). It rests on no premise."""

    gone: Departed


# -- an account's holdings: operations ------------------------------------------


@dataclass(frozen=True)
class EraseAccount(Operation):
    """Everything of the account's holdings goes, in one step, the account
    itself last. It rests on no premise: its room messages were changed
    first, each resting on its words as read."""


# -- an account's upload tokens: operations -------------------------------------


@dataclass(frozen=True)
class IssueToken(Operation):
    """Token ``token`` (the core's random one) names the account until
    ``until`` (seconds on the core's clock). It rests on no premise."""

    token: str
    until: float


@dataclass(frozen=True)
class RevokeTokens(Operation):
    """Every token given to the account is no good from now on."""


# -- the server's lockdown: operations -------------------------------------------


@dataclass(frozen=True)
class SetLockdown(Operation):
    """The server's lockdown level is now ``level``, set by admin ``by``.
    It rests on no premise: the last admin's word holds."""

    level: str
    by: str


# -- an account's ignore list: operations ---------------------------------------


@dataclass(frozen=True)
class Ignore(Operation):
    """The account ignores name key ``name`` (the core checked the list)."""

    name: str


@dataclass(frozen=True)
class Unignore(Operation):
    """The account no longer ignores name key ``name``."""

    name: str


@dataclass(frozen=True)
class SetRegistered(Operation):
    """The account was registered at ``at`` (seconds since the epoch)."""

    at: float


# -- the server's reports: premises and operations --------------------------------


@dataclass(frozen=True)
class ReportsNumbered(Premise):
    """The last report's number is ``last`` (0: none yet), as read: the
    next report is ``last + 1``."""

    last: int


@dataclass(frozen=True)
class NotReported(Premise):
    """No report was kept under ``filed`` (a reporter, a room, a message:
    :func:`chatroom.core.report_store.filed_key`)."""

    filed: str


@dataclass(frozen=True)
class ReportOpen(Premise):
    """Report ``number`` is kept and not closed."""

    number: int


@dataclass(frozen=True)
class FileReport(Operation):
    """Keep report ``number`` (``kept``: as the core encoded it) under
    ``filed``, open; it is now the last report's number."""

    number: int
    filed: str
    kept: str


# -- an invitation: premises and operations -------------------------------------


@dataclass(frozen=True)
class InvitationIs(Premise):
    """The invitation is kept as ``kept`` (as :class:`~chatroom.core.
    invitations.InviteLink` encodes it; "" for none): the uses left that a
    decision counted are still left, so two nodes spending the last one
    at once spend it once. A refusal brings the invitation as kept now
    (its encoding, "" for none)."""

    kept: str


@dataclass(frozen=True)
class CloseReport(Operation):
    """Report ``number`` is closed; ``kept``: it, closed, as the core
    encoded it."""

    number: int
    kept: str


# -- the server's bans: premises and operations -----------------------------------


@dataclass(frozen=True)
class Banned(Premise):
    """Mask ``mask`` is banned from the server (``banned``), or not yet, as
    the decision read: a ban is made once, and lifted once. A refusal
    brings no facts: the core reads the bans again."""

    mask: str
    banned: bool


@dataclass(frozen=True)
class NameRegistered(Premise):
    """Name ``name`` (its key) is an account's (``registered``), or no
    account's, as a name's claim was decided: a plain name is claimed on
    its being nobody's account, and a back-end gives it to nobody once an
    account has it. A refusal brings the claim's facts as they are
    (:class:`~chatroom.core.facts.ClaimFacts`); a claim also rests on each
    of its masks' :class:`Banned` being False."""

    name: str
    registered: bool


@dataclass(frozen=True)
class AddBan(Operation):
    """Ban ``mask`` from the server, kept with its ``terms`` (who, until
    when, why: a :class:`~chatroom.core.netbans.BanTerms` encoded; "" for
    none). A network ban (``ip:``) is heard by every node's listeners,
    which end the connections it covers; the sessions a ban covers end
    by the change's :class:`EndSessions`, as the core decided."""

    mask: str
    terms: str


@dataclass(frozen=True)
class EndSessions(Operation):
    """The session holding name key ``holder`` ("": none) and every
    session signed in to account ``account`` ("": none) end, on every
    node, told ``told``: the sessions a ban covers
    (:func:`chatroom.core.serverbans.covered`), ended after the bans of
    its change are made, so none of them signs in again meanwhile; or
    the devices of an account given up with ``/unregister``, ended as
    the account goes (:func:`chatroom.core.accounts.unregistering`)."""

    holder: str
    account: str
    told: str


@dataclass(frozen=True)
class SignOut(Operation):
    """The session holding name key ``holder`` whose token is ``token``
    (the device that gave its account up) is signed out of the account
    and stays; every other session holding that name (a device of the
    account's seat on another node) ends, told ``told``. Applied before
    the change's :class:`EndSessions`, which then no longer finds it
    signed in."""

    holder: str
    token: str
    told: str


@dataclass(frozen=True)
class LiftBan(Operation):
    """Mask ``mask`` is no longer banned; its terms go with it."""

    mask: str


@dataclass(frozen=True)
class SetInvitation(Operation):
    """The invitation is now kept as ``kept`` (encoded)."""

    kept: str


@dataclass(frozen=True)
class DropInvitation(Operation):
    """The invitation is gone: its code admits nobody."""


# -- every room's history by age: premises and operations ------------------------


@dataclass(frozen=True)
class SweepLease(Premise):
    """The sweep is ``holder``'s (a node's id): no other holds its lease,
    and ``holder`` takes it, or keeps it, for ``seconds``, so that of a
    cluster's nodes one sweeps at a time. A refusal brings no facts."""

    holder: str
    seconds: float


@dataclass(frozen=True)
class AgeOut(Operation):
    """Every room's kept events said before ``oldest`` go, of every kind,
    oldest first, and none said since (Unix seconds,
    :func:`chatroom.core.rules.oldest_kept`): what :class:`Append`'s
    ``oldest`` does to the room spoken in, done to all of them. Ids are
    untouched (the room's next event takes the next one), and a back-end
    may apply it room by room: applied twice, or in part and then
    again, it leaves what applying it once does."""

    oldest: float


# -- a moderation log: operations ---------------------------------------------


@dataclass(frozen=True)
class RecordEntries(Operation):
    """Add ``entries`` to the log, oldest first; the oldest beyond
    :data:`~chatroom.core.modlog.MODLOG_KEEP` go. In a change of another
    subject (a moderation, a pin, a redaction, a rename, a report, a
    server ban, a lockdown) they are that action's own, applied with it or
    not at all, in the log named ``log`` (a room's key, or the server's
    :data:`~chatroom.core.modlog.SERVER_LOG`: :func:`chatroom.core.modlog.
    recording`); "" is the change's own log (a
    :class:`ModerationLogOf`'s, a room moderation's room's)."""

    entries: tuple[ModEntry, ...]
    log: str = ""


# -- an export: premises and operations ----------------------------------------


@dataclass(frozen=True)
class ExportKept(Premise):
    """The export is still kept, as read: it is handed out once, so of
    two nodes taking it at once one gets it. A refusal brings no facts."""


@dataclass(frozen=True)
class KeepExport(Operation):
    """Keep ``archive`` until ``until`` (seconds on the core's clock)."""

    archive: bytes
    until: float


@dataclass(frozen=True)
class DropExport(Operation):
    """The export is gone (taken, or its time over)."""


def _stored_straight(cls: type) -> None:
    """Give the frozen dataclass ``cls`` an ``__init__`` that stores its
    fields straight in the instance's dict: the generated one calls
    ``object.__setattr__`` per field, and every message makes a
    :class:`DecidedChange` and an :class:`Append`, every join about a
    dozen of these. Still frozen to any other write. A class with a field
    this cannot store so (no ``init``, a factory, keyword-only) keeps the
    generated one."""
    fields = dataclasses.fields(cls)
    if any(
        not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING
        for f in fields
    ):
        return
    params = ", ".join(
        f.name if f.default is dataclasses.MISSING else f"{f.name}=_d_{f.name}"
        for f in fields
    )
    body = "".join(f"\n    d[{f.name!r}] = {f.name}" for f in fields) or "\n    pass"
    source = f"def __init__(self, {params}):\n    d = self.__dict__{body}"
    defaults = {
        f"_d_{f.name}": f.default
        for f in fields
        if f.default is not dataclasses.MISSING
    }
    exec(source, defaults)
    init = defaults["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__dict__["__init__"].__doc__
    cls.__init__ = init  # type: ignore[misc]


for _kind in list(globals().values()):
    if (
        isinstance(_kind, type)
        and dataclasses.is_dataclass(_kind)
        and _kind.__module__ == __name__
        and "__init__" in _kind.__dict__
        and _kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
        and _kind.__dataclass_params__.init  # type: ignore[attr-defined]
    ):
        _stored_straight(_kind)
