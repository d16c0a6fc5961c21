"""What the rules decide on: a room's policy and its facts, as plain values.

:class:`RoomPolicy` is a room's moderation state (settings, operators,
bans, invitations), stored with the room; :class:`RoomFacts` is what
:mod:`chatroom.core.policy.rules` and :mod:`chatroom.core.policy.moderation` decide on,
read by a back-end from its own state (in-process) or by one script
(Redis). A leaf module, so that the two rule modules import it and not
each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from chatroom.core.model.changes.calls import CallFacts
from chatroom.core.model.events import DepartureKind, Event, StoredEvent
from chatroom.core.model.text import current_mask, name_key


@dataclass(frozen=True)
class RoomPolicy:
    """A room's moderation state, stored with the room (JSON)."""

    invite_only: bool = False
    key: str = ""
    topic_lock: bool = False
    keep: bool = False
    #: Hidden from room lists and the lobby but for its members (``+s``).
    secret: bool = False
    #: The account that owns a ``keep`` room ("" otherwise).
    owner_account: str = ""
    operators: tuple[str, ...] = ()
    bans: tuple[str, ...] = ()
    invited: tuple[str, ...] = ()
    #: At most this many members (``/set limit N``, ``+l``); 0: only the
    #: server's ``--room-capacity``.
    limit: int = 0
    #: Only the owner, operators and voiced members speak (``+m``).
    moderated: bool = False
    #: Who may speak in a moderated room (``/voice``, ``+v``): masks as
    #: operators' are.
    voiced: tuple[str, ...] = ()
    #: Users outside the room may send to it (``/set external on``, IRC's
    #: ``-n``); by default only members speak (``+n``).
    external: bool = False
    #: The owner who gave up operator status (``/deop`` of themself, IRC's
    #: ``-o``), as their grant mask: still the owner, no longer moderating
    #: until they ``/op`` themself. A later owner is not this mask.
    unopped_owner: str = ""
    #: The room's metadata (IRC's ``METADATA #room``, set by its owner and
    #: operators): key, value pairs in the order they were first set
    #: (:func:`chatroom.core.policy.moderation.decide`'s ``metadata``).
    metadata: tuple[tuple[str, str], ...] = ()

    @cached_property
    def restricted(self) -> bool:
        """Whether a join must be checked against this policy at all (asked
        several times a join: kept with the policy, which never changes)."""
        return bool(self.invite_only or self.key or self.bans or self.limit)

    def to_json(self) -> str:
        if self == NO_POLICY:
            return ""
        return json.dumps(
            {
                "invite_only": self.invite_only,
                "key": self.key,
                "topic_lock": self.topic_lock,
                "keep": self.keep,
                "secret": self.secret,
                "owner_account": self.owner_account,
                "operators": list(self.operators),
                "bans": list(self.bans),
                "invited": list(self.invited),
                "limit": self.limit,
                "moderated": self.moderated,
                "voiced": list(self.voiced),
                "external": self.external,
                "unopped_owner": self.unopped_owner,
                **self._metadata_json(),
            },
            separators=(",", ":"),
        )

    def _metadata_json(self) -> dict[str, list[list[str]]]:
        """The metadata's part of the JSON: none without any, so a policy
        stored before rooms had metadata reads back as it was."""
        return {"metadata": [list(p) for p in self.metadata]} if self.metadata else {}

    @classmethod
    def from_json(cls, text: str | bytes) -> RoomPolicy:
        if not text:
            return NO_POLICY
        data = json.loads(text)
        # Masks and accounts are brought up to today's keys as they are
        # read (a policy stored before keys had skeletons; a no-op after).
        owner = str(data.get("owner_account", ""))
        return cls(
            invite_only=bool(data.get("invite_only")),
            key=str(data.get("key", "")),
            topic_lock=bool(data.get("topic_lock")),
            keep=bool(data.get("keep")),
            secret=bool(data.get("secret")),
            owner_account=name_key(owner) if owner else "",
            operators=tuple(current_mask(m) for m in data.get("operators", ())),
            bans=tuple(current_mask(m) for m in data.get("bans", ())),
            invited=tuple(current_mask(m) for m in data.get("invited", ())),
            limit=int(data.get("limit", 0)),
            moderated=bool(data.get("moderated")),
            voiced=tuple(current_mask(m) for m in data.get("voiced", ())),
            external=bool(data.get("external")),
            unopped_owner=current_mask(data.get("unopped_owner", "")),
            metadata=tuple((str(k), str(v)) for k, v in data.get("metadata", ())),
        )


NO_POLICY = RoomPolicy()


@dataclass(frozen=True)
class RoomFacts:
    """What the rules need to know of a room."""

    name: str
    permanent: bool
    owner: str  # the owner's name key, or "" for none
    capacity: int
    members: int
    policy: RoomPolicy = NO_POLICY


@dataclass(frozen=True, slots=True)
class Heir:
    """A member who could inherit a room: its name key and its name. A
    node keeps two for each room it has members in (its seating's
    ``firsts``): slots, no instance dict."""

    key: str
    name: str


@dataclass(frozen=True)
class Seating:
    """A room's facts as membership decides on them.

    ``members`` is the number of members now; ``owner`` the owner's name key
    ("" for none) and ``owner_here`` whether the owner is a member;
    ``owner_account`` the account a ``keep`` room belongs to ("" for none);
    ``permanent``: named at start-up; ``keep``: its policy keeps it
    (:attr:`stays` says what both mean); ``heir``: the longest-present
    member other than those the decision is about (None: nobody else);
    ``quiet``: the name keys, among those the decision is about, of the
    members who joined quietly and have not spoken; ``incarnation``: which
    making of the room this is ("" where rooms are not made again: one
    process); ``claimant``: when the room's account owns it and nobody holds
    it, the name key of its longest-present member signed in to that account
    ("" for none)."""

    room: str
    members: int
    owner: str = ""
    owner_here: bool = False
    owner_account: str = ""
    permanent: bool = False
    keep: bool = False
    heir: Heir | None = None
    quiet: frozenset[str] = frozenset()
    incarnation: str = ""
    claimant: str = ""

    @property
    def stays(self) -> bool:
        """The room stays when its last member goes: a permanent room, or
        one its policy keeps. Decided here alone; each back-end only reads
        the two facts and checks them as a change's premise
        (:class:`~chatroom.core.model.changes.rooms.Stays`)."""
        return self.permanent or self.keep


@dataclass(frozen=True)
class WaitingFacts:
    """A room that may have waited for its members long enough (a restored
    room's grace period; a cluster's room left by a node that went), as a
    back-end read it: whether it ``exists``, its :class:`Seating` about
    nobody, and until when it waits (``waits_until``, ms; 0: it does not
    wait). What its succession is decided on
    (:func:`chatroom.core.rooms.membership.succession`)."""

    key: str
    exists: bool = True
    seating: Seating = Seating("", 0)
    waits_until: int = 0


@dataclass(frozen=True)
class LeavingFacts:
    """A room some users leave as their sessions end, as a back-end read
    it: whether it ``exists``, its :class:`Seating` about nobody, its first
    members in arrival order (``firsts``: one more than the users leaving,
    or all), which of those users are in it (``present``) and joined
    quietly and have not spoken (``quiet``), and the sessions the room
    names as holding each one's seat (``holders``: name key → tokens; a
    seat it names none for, or a user it does not list, is any session's).

    The holders tell one seat of a name from the next: an end that started
    before the name was freed and taken again may read the room only once
    the new session has sat down in it, and that seat is not the end's to
    take (:meth:`seat_held_by`). A back-end may leave them out of a first
    read: the departure rests on the seat being the ended session's
    (:class:`~chatroom.core.model.changes.rooms.SeatHeldBy`), and its
    refusal brings them."""

    key: str
    exists: bool = True
    seating: Seating = Seating("", 0)
    firsts: tuple[Heir, ...] = ()
    present: frozenset[str] = frozenset()
    quiet: frozenset[str] = frozenset()
    holders: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def seat_held_by(self, user: str, session: str) -> bool:
        """Whether ``user``'s seat here is held by session ``session``
        (among the sessions the room names for it: its own, its devices),
        or by sessions the room does not name; any seat of ``user``'s if
        ``session`` is "" (not known: an end of a place a node found stale)."""
        if not session:
            return True
        for key, sessions in self.holders:
            if key == user:
                return not sessions or session in sessions
        return True


class EndedUser(NamedTuple):
    """A user whose session ended: its name key, its name, and the token
    of the session whose end it is, whose seats the end takes out (never
    one a later session of the same name took once the end had freed it)."""

    key: str
    name: str
    #: "" where it is not known (:meth:`LeavingFacts.seat_held_by`).
    session: str


@dataclass(frozen=True)
class Ending:
    """Sessions that ended (released, taken over, killed, banned, their
    node gone): their users (``users``, each :class:`EndedUser`) leave the
    ``rooms`` they were in, each a departure of ``kind`` saying ``reason``
    (with ``own_words``, the words a user quit with); ``waits_until`` (ms):
    their node is gone or going, so a room they leave empty waits till
    then for its members."""

    users: tuple[EndedUser, ...]
    rooms: tuple[LeavingFacts, ...]
    kind: DepartureKind
    reason: str
    waits_until: int = 0
    own_words: bool = False


@dataclass
class WelcomeFacts:
    """What a back-end reads of a room for a join reply (the facts a
    :class:`~chatroom.core.model.events.Welcome` is built from): its members in
    arrival order, how many there are in all, the names of those who
    joined quietly and have not spoken (``quiet``: the reply hides them,
    :func:`chatroom.core.rooms.membership.welcome`), the joiner and whether it
    is a quiet one, the owner's name if present, the topic, the history
    window (the newest ``--history`` events, or those after a resume's
    ``since``), the ids the room keeps (``first``..``last``), how many
    messages it has pinned (``pins``), the room's call while one is on
    (``call``: read in the same step, so that a joiner is told of it
    without another read) and, when the back-end read it with
    the rest, the room's ``policy`` (None: not read), which says whose
    names a door marks (the operators', the voiced'). A back-end makes
    ``members`` for this one reply, which keeps it (no copy per join).

    A back-end's join answers them (they are what its step produced), and
    with them the room's events that reached this node after the join and
    before the answer (``followed``): the core shows the joiner its reply,
    then seats it with those, so that nothing of the room comes before its
    welcome and nothing is lost between them."""

    room: str
    members: list[str]
    total: int
    joiner: str
    capacity: int
    joiner_quiet: bool = False
    owner: str = ""
    topic: str = ""
    topic_by: str = ""
    topic_at: int = 0
    history: list[StoredEvent] = field(default_factory=list)
    first: int = 1
    last: int = 0
    quiet: frozenset[str] = frozenset()
    pins: int = 0
    policy: RoomPolicy | None = None
    followed: list[Event] = field(default_factory=list)
    call: CallFacts | None = None


@dataclass(frozen=True)
class SeatingFacts:
    """What a membership write (a join, a leave) is decided on: the room's
    :class:`RoomFacts` (the entry rule's: policy, capacity, members,
    owner), its :class:`Seating` about the users concerned (membership's),
    which of those are members (``present``, name keys), the version of
    its policy they were read at (a premise of a decision on a restricted
    room), whether they were read now (``latest``) or are what the
    back-end knew last (a refusal decided on those is decided again on
    the latest: the room may have emptied, a ban gone), and the room's
    newest event id (where a resume starts)."""

    room: RoomFacts
    seating: Seating
    present: frozenset[str] = frozenset()
    version: str = ""
    latest: bool = True
    #: The room's newest event id (None: not known).
    newest: int | None = None


@dataclass(frozen=True)
class ClaimFacts:
    """What a name's claim is decided on
    (:func:`chatroom.core.policy.rules.check_claim`,
    :func:`chatroom.core.services.claims.outcome`): whether the name is an account's,
    whether a server ban covers the name or the account signing in, the
    session holding it (its token, "" for none), the account that session
    is signed in to, whether its end is under way, how many sessions hold
    it besides (its account's devices on other nodes), and why that
    session's connection is gone ("": it is not, as far as any node said:
    :class:`~chatroom.core.model.changes.server.MarkGone`). The default is
    a fresh name's, which is what most claims find: the claim rests on it,
    and a back-end that finds otherwise answers these facts as they are."""

    registered: bool = False
    banned: bool = False
    holder: str = ""
    signed_to: str = ""
    ending: bool = False
    devices: int = 0
    gone: str = ""


@dataclass(frozen=True)
class HeldElsewhere:
    """A name (its key) whose own session ``token`` ended while devices of
    its account on other nodes hold it too (their sessions' tokens
    ``devices``, as a release read them): the core chooses which of them
    holds it now (:func:`chatroom.core.services.claims.handed_over`)."""

    name: str
    token: str
    devices: tuple[str, ...]


@dataclass(frozen=True)
class CreationFacts:
    """What making (or renaming to) a room's name is decided on: the name
    of the room that has its key already ("" for none) and how many rooms
    the server has."""

    existing: str
    rooms: int
    #: The room ``name`` was the former name of, within its rename's grace
    #: ("" for none): a join there leads to it, and no room takes the name.
    renamed_to: str = ""


@dataclass(frozen=True)
class SpeakingFacts:
    """What a message is decided on, as a back-end holds it with no wait.

    ``room`` is the room's name as the back-end has it; ``member``, whether
    the speaker is in it (False: it speaks from outside, and the room's
    :class:`RoomFacts` decide); ``quiet``, whether it joined quietly and
    has not spoken yet; ``moderated``, whether the room is moderated as far
    as the holder knows (a cluster node learns it from a refused premise:
    until then it assumes not, and the ``SAY`` script checks)."""

    room: str
    member: bool = True
    quiet: bool = False
    moderated: bool = False


@dataclass(frozen=True)
class Target:
    """The user a command names, as the registry found them.

    ``account``: the account they are signed in to or, when they are not
    connected, the account their name is registered to ("" for none).
    ``session``: their session if connected ("" if not). ``present``:
    whether they are in the room.
    """

    name: str
    account: str = ""
    session: str = ""
    present: bool = False

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def online(self) -> bool:
        return bool(self.session)


#: A back-end's guard for facts that cannot change under a decision.
NO_GUARD = (b"", b"")


@dataclass(frozen=True)
class DecisionFacts:
    """What one decision on a room was made on: the room's facts (what the
    rules decide on, :class:`~chatroom.core.model.facts.RoomFacts`), the guard an
    apply step checks (what the facts were read at), the owner's name if
    present, the user a command names (None: nobody connected or
    registered) and, when that user is in the room, the room's seating
    about them (what a kick's departure is decided on)."""

    room: RoomFacts
    guard: tuple[bytes, bytes] = NO_GUARD
    owner_name: str = ""
    target: Target | None = None
    seating: Seating | None = None
