"""What the core needs of a back-end: a few atomic steps over shared state.

:class:`chatroom.core.chat.ChatCore` decides (which rule applies when, what
event says so, who the actor is); a :class:`Backend` keeps the state and
changes it in steps that are atomic where it lives: in this process's
memory (:mod:`chatroom.backends.local`) or in Redis, shared by the nodes of
a cluster (:mod:`chatroom.backends.redis`). The model is Synapse's
``RoomMemberHandler``: one shared class, the variant implements a few
hooks, and which variant runs is chosen where the server is built
(:mod:`chatroom.wiring.registries`).

The steps are: claim a name and sign a session (:meth:`Backend.claim`,
:meth:`Backend.sign`, :meth:`Backend.release`), take or give up a seat
(:meth:`SeatingSteps.enter`, :meth:`SeatingSteps.leave`: a change the
core decided, :mod:`chatroom.core.entries`), publish an event
(:meth:`Backend.tell`, :meth:`Backend.tell_everyone`), read facts
(:meth:`Backend.facts`, :meth:`Backend.speaking`, :meth:`Backend.find_user`,
:meth:`Backend.roster`...) and apply a decided change
(:class:`~chatroom.core.changes.DecidedChange`: :meth:`Backend.say`,
:meth:`Backend.apply_topic`, :meth:`Backend.apply_delete`,
:meth:`Backend.apply_outcome`, :meth:`Backend.apply_give`; an account's
read markers, :meth:`~chatroom.core.markers.MarkerStore.apply`), each of
which checks the change's premises and refuses with
:class:`FactsChangedError` if one no longer holds, and the core decides
again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.accounts import AccountStore
from chatroom.core.census import CensusSteps
from chatroom.core.changes import DecidedChange
from chatroom.core.changes import FactsChangedError as FactsChangedError
from chatroom.core.events import (
    Edited,
    Event,
    Listing,
    Message,
    PrivateRedacted,
    Reaction,
    Redacted,
    RoomEvent,
    SearchResult,
    StoredEvent,
    TagMessage,
    ToEveryone,
)
from chatroom.core.facts import CreationFacts, RoomFacts, SeatingFacts, SpeakingFacts
from chatroom.core.files import FileStore, SharedBytes, UploadTokenStore
from chatroom.core.hooks import HookStore
from chatroom.core.markers import MarkerStore
from chatroom.core.member import Member
from chatroom.core.moderation import Target
from chatroom.core.modlog import ModerationLog
from chatroom.core.netbans import UNKNOWN, BanListener, BanTerms
from chatroom.core.presence import PresenceSteps
from chatroom.core.private import NO_COPY, ConversationStore, CopyTo
from chatroom.core.push import PushStore
from chatroom.core.roominfo import Roster
from chatroom.core.search import SearchQuery
from chatroom.core.sessions import SeatSession
from chatroom.core.userdata import UserDataSteps
from chatroom.core.watching import WatchSteps
from chatroom.core.whowas import WhowasSteps

#: How the core ends a session a back-end found ended (its name taken by a
#: sign-in elsewhere, killed, banned): release it, then disconnect it.
SessionEnder = Callable[[Member, str], None]


#: A back-end's guard for facts that cannot change under a decision.
NO_GUARD = (b"", b"")


@dataclass(frozen=True)
class DecisionFacts:
    """What one decision on a room was made on: the room's facts (what the
    rules decide on, :class:`~chatroom.core.facts.RoomFacts`), the guard an
    apply step checks (what the facts were read at), the owner's name if
    present, and the user a command names (None: nobody connected or
    registered)."""

    room: RoomFacts
    guard: tuple[bytes, bytes] = NO_GUARD
    owner_name: str = ""
    target: Target | None = None


class SeatingSteps(Protocol):
    """The back-end's reads and applies for membership writes (a part of
    :class:`~chatroom.core.backend.Backend`)."""

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        """Room ``room``'s facts about ``member`` (``NO_SUCH_ROOM``): what a
        join or a leave is decided on. A back-end may answer what it knew
        last (the apply checks the premises), unless asked for the
        ``latest``."""
        ...

    async def creation_facts(self, name: str) -> CreationFacts:
        """What making room ``name`` is decided on (a back-end may answer
        none known: the apply checks the premises)."""
        ...

    async def enter(
        self,
        member: Member,
        session: SeatSession,
        change: DecidedChange,
        moving: DecidedChange | None,
        since: int | None,
    ) -> DecidedChange | None:
        """Apply ``change`` (the member's join or create) and ``moving``
        (its departure from the room it leaves for it, if any): the join
        first, so that a refusal leaves the member where it was; the
        member hears :meth:`Member.entered`. ``since``: the welcome's
        history starts after that id (a resume). Raises
        :class:`~chatroom.core.changes.PremiseFailedError` (nothing
        applied) if a premise of ``change`` or, where both are applied as
        one, of ``moving`` no longer holds. Answers None, or ``moving``
        when the join was applied but the departure was not (its
        premises failed in a step of its own): the caller decides it
        again and hands it to :meth:`leave`."""
        ...

    async def leave(
        self, member: Member, session: SeatSession, change: DecidedChange
    ) -> None:
        """Apply ``change``, the member's departure (``NOT_IN_ROOM``;
        :class:`~chatroom.core.changes.PremiseFailedError`)."""
        ...


class MessageSteps(Protocol):
    """The back-end's steps on messages said before (``/edit``, ``/redact``,
    ``/react``) and on notices that are not kept (``/typing``): a part of
    every :class:`Backend`, composed into it (its ``messages``)."""

    async def amend(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        replacement: Message | None,
        event: Edited | Redacted,
        now: float,
    ) -> None:
        """Stored message ``target`` (as the core read it) now reads as
        ``replacement`` (an edit), or is gone with the events that depend on
        it (None: a redaction); then ``event`` is appended as
        :meth:`Backend.say` does. :class:`FactsChangedError` if
        ``target`` changed meanwhile."""
        ...

    async def react(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        event: Reaction,
        now: float,
    ) -> str:
        """Add (or take back: ``event.adding``) the reaction ``event``
        names to stored message ``target``, at
        most :data:`~chatroom.core.reactions.REACTIONS_PER_MESSAGE` distinct
        ones; when that changed anything, append ``event`` as
        :meth:`Backend.say` does. Returns
        :data:`~chatroom.core.reactions.CHANGED`, ``UNCHANGED`` or ``FULL``;
        :class:`FactsChangedError` if ``target`` changed meanwhile."""
        ...

    async def relay(
        self, member: Member, session: SeatSession, room: str, event: RoomEvent
    ) -> None:
        """Publish ``event`` to room ``room``'s members without keeping it
        (a typing notice, a message to the operators)."""

    async def keep(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        event: TagMessage,
        now: float,
    ) -> None:
        """Number, keep and publish a tags-only message to room ``room``'s
        members, as :meth:`Backend.say` does a message (its ``id`` set),
        for IRC's event playback."""
        ...

    async def attach(self, room: str, event: RoomEvent) -> None:
        """Publish ``event`` to the members of room ``room`` (as
        :meth:`Backend.place` named it) without keeping it, whoever is
        there: a link preview the server fetched for one of its messages
        (:mod:`chatroom.core.previews`), after its author may have left.
        Nothing if the room is gone."""

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """Up to ``limit`` stored messages of ``rooms`` (names as
        :meth:`Backend.place` gives them) matching ``query``, newest first
        (:mod:`chatroom.core.search`)."""
        ...


#: An account's read markers: room key → the id of the newest event read.
Marks = dict[str, int]


class RememberedRooms(Protocol):
    """An account's rooms, kept (in the store or Redis) while it is away,
    so its next device is put back in them (:mod:`chatroom.core.devices`)."""

    async def rooms(self, account: str) -> list[str]:
        """The names of the rooms account ``account`` was in, oldest first."""
        ...

    async def apply(self, change: DecidedChange) -> None:
        """Apply a change of an :class:`~chatroom.core.changes.AccountRooms`
        (rooms remembered and forgotten, in order) atomically."""
        ...


#: One device of an account, as ``/devices`` lists it: its number, its door
#: and when it signed in (Unix seconds).
DeviceRow = tuple[int, str, float]


class OtherNodes(Protocol):
    """An account's devices on the other nodes of a cluster (none in one
    process, where an account's devices share one seat): what
    :mod:`chatroom.core.devices` needs to count, list and end them all."""

    async def held_elsewhere(
        self,
        member: Member,
        session: SeatSession,
        at: Marks,
        shown: Callable[[str], None],
    ) -> bool:
        """``member`` has just signed in: True if its name is held on
        another node too (it is then in the rooms its user is in there:
        :meth:`Member.entered` for each, from the account's markers ``at``
        on, with no ``JOIN``, then ``shown(room key)``)."""
        ...

    async def tell(self, account: str, token: str, event: PrivateRedacted) -> None:
        """``event`` (the sender's copy of a private message's deletion) to
        the account's devices on the nodes other than seat ``token``'s (the
        copy of a message goes with it: :class:`~chatroom.core.private.CopyTo`)."""
        ...

    async def show(
        self, member: Member, session: SeatSession, key: str, since: int | None
    ) -> None:
        """Seat ``member`` here in room ``key``, which its account is in by
        a device on another node (:meth:`Member.entered`, from ``since``;
        the room hears nothing); nothing if it is here already.

        Raises:
            ChatError: ``NOT_IN_ROOM`` (the account left it meanwhile),
                ``NO_SUCH_ROOM`` (deleted meanwhile), ``UNAVAILABLE``.
        """
        ...

    def watch(self, viewed: Callable[[Member, str], None]) -> None:
        """Call ``viewed(seat, room key)`` once a room a device of the
        account on another node entered is shown to the seat here."""

    async def number(self, account: str, limit: int = 0) -> int | None:
        """A number for one more device of ``account``, unique among its
        devices on every node (None: the seat numbers its own, and the core
        counts them). With a ``limit`` (the core's ``--max-devices``), the
        count and the claim are one atomic step over every node: 0 if the
        account has ``limit`` devices already, counting those numbered and
        not yet published (:meth:`publish`)."""
        ...

    def publish(self, account: str, token: str, devices: list[DeviceRow]) -> None:
        """The devices of seat ``token`` of ``account`` here are now
        ``devices`` (none: the seat has let go), for the other nodes."""

    async def listed(self, account: str, token: str) -> list[DeviceRow]:
        """The account's devices on every node but this one's seat ``token``
        ("": every node)."""
        ...

    async def end(self, account: str, token: str, number: int, reason: str) -> bool:
        """Close device ``number`` of ``account`` on another node than seat
        ``token``'s (``reason`` its ``BYE``); False if no node has it."""
        ...


def fresh_epoch() -> str:
    """A new store epoch (:attr:`Backend.store_epoch`): 10 random hex digits."""
    return secrets.token_hex(5)


class Backend(SeatingSteps, Protocol):
    """The state of names and rooms, changed in atomic steps.

    Every step that names a member gets its :class:`SeatSession` too (as the core
    read it). Refusals are :mod:`chatroom.core.errors`.
    """

    @property
    def account_store(self) -> AccountStore:
        """Where accounts and server bans are kept."""
        ...

    @property
    def available(self) -> bool:
        """False while shared state is out of reach."""
        ...

    async def caught_up(self) -> None:
        """Returns once this process has handed its members every event
        the store published before the call (at once in one process; a
        cluster node waits for its subscription to catch up with Redis)."""
        ...

    @property
    def store_epoch(self) -> str:
        """The lifetime of the store the events' ids count in: each room's
        ids never repeat under one epoch (:func:`fresh_epoch`, kept with
        the ids: in the ``--db`` file, in Redis; a store in memory makes
        one at each start, as its ids start again)."""
        ...

    @property
    def markers(self) -> MarkerStore:
        """Where accounts' read markers are kept."""
        ...

    @property
    def files(self) -> FileStore:
        """Where uploaded files' metadata is kept (``--files``)."""
        ...

    @property
    def file_bytes(self) -> SharedBytes | None:
        """Where a cluster keeps uploaded files' bytes for every node
        (``--files-db``); None: a single server's own directory holds them."""
        ...

    @property
    def upload_tokens(self) -> UploadTokenStore | None:
        """Where ``/token``'s tokens are kept so every node knows them;
        None: in the process's memory (a single server)."""
        ...

    @property
    def push(self) -> PushStore:
        """Where the VAPID key and accounts' push subscriptions are kept."""
        ...

    @property
    def remembered(self) -> RememberedRooms:
        """Where accounts' rooms are kept across disconnects and restarts."""
        ...

    @property
    def conversations(self) -> ConversationStore:
        """Where private conversations and kept private messages are."""
        ...

    @property
    def other_nodes(self) -> OtherNodes:
        """An account's devices on other nodes (none in one process)."""
        ...

    @property
    def presence(self) -> PresenceSteps:
        """Users' presence for the other nodes (:mod:`chatroom.core.presence`)."""
        ...

    @property
    def whowas(self) -> WhowasSteps:
        """The nicks gone, for every node (:mod:`chatroom.core.whowas`)."""
        ...

    @property
    def census(self) -> CensusSteps:
        """Every process's counts of its connections, for ``LUSERS``
        (:mod:`chatroom.core.census`)."""
        ...

    @property
    def watching(self) -> WatchSteps:
        """News of watched names for every node's listeners
        (:mod:`chatroom.core.watching`)."""
        ...

    @property
    def messages(self) -> MessageSteps:
        """Its steps on messages said before (edits, redactions, reactions)."""
        ...

    @property
    def hooks(self) -> HookStore:
        """Where rooms' webhooks are kept (:mod:`chatroom.core.webhooks`)."""
        ...

    @property
    def modlog(self) -> ModerationLog:
        """Where rooms' moderation logs are kept."""
        ...

    @property
    def user_data(self) -> UserDataSteps:
        """A user's own data: read for ``/export``, erased with the account."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def detach(self) -> Deferred[None]: ...

    # -- names -------------------------------------------------------------------

    async def claim_facts(self, key: str, masks: list[str]) -> tuple[bool, bool]:
        """Whether name ``key`` is registered and whether any of ``masks`` is
        banned from the server."""
        ...

    async def claim(
        self,
        member: Member,
        session: SeatSession,
        name: str,
        account: str,
        takeover: bool,
    ) -> bool:
        """Give ``name`` to ``member`` (``session.name`` is its old one, if
        any), signed in to ``account``; a session holding it is ended if
        ``takeover``, else ``NAME_TAKEN``. True if it was a rename of a
        member in rooms (the core then tells them: :meth:`tell_neighbours`).

        A first claim (no ``session.name``) with ``takeover`` is a sign-in
        to account ``name``: a session of the account holding the name on
        another node is kept, and ``member`` becomes one more holder of it
        (the account's devices here)."""
        ...

    async def sign(self, member: Member, session: SeatSession, account: str) -> None:
        """The session is now signed in to ``account`` ("" for none)."""
        ...

    def release(
        self, member: Member, session: SeatSession, reason: str, own_words: bool = False
    ) -> None:
        """The session is gone: out of its rooms (a ``QUIT`` departure with
        ``reason``, the user's own words if ``own_words``), name freed."""

    async def find_user(self, name: str) -> Target | None:
        """The user called ``name``: connected, or else a registered name."""
        ...

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """``event`` to the connected session ``target`` names
        (``NO_SUCH_USER`` if it is gone), and in the same step to
        ``copy``'s devices on other nodes (the sender's copy)."""
        ...

    async def tell_neighbours(
        self, member: Member, session: SeatSession, event: Event, including_self: bool
    ) -> None:
        """``event`` once to every member who shares a room with ``member``
        (on every node), and to ``member`` too if ``including_self``: news
        of a user rather than of a room (a rename, a sign-in)."""
        ...

    async def tell_everyone(self, event: ToEveryone) -> None:
        """``event`` to every named session (of every node)."""
        ...

    async def end_user(self, name: str, reason: str) -> str:
        """End the session of the user called ``name``; returns its name."""
        ...

    async def ban_from_server(
        self, mask: str, reason: str, terms: BanTerms = UNKNOWN
    ) -> bool:
        """Ban ``mask`` (kept with its ``terms``) and end the sessions it
        matches, told ``reason`` (False: already). A network ban
        (``ip:``) is heard by every node's :meth:`follow_network_bans`
        listeners, which end the connections it covers."""
        ...

    def follow_network_bans(self, listener: BanListener) -> None:
        """``listener`` hears every network ban made from now on, on any node."""

    async def ignoring_changed(self, account: str, names: frozenset[str]) -> None:
        """Account ``account`` now ignores ``names``: its seats on every
        node take the list
        (:meth:`~chatroom.core.sessions.SeatSessions.ignoring_changed`)."""
        ...

    async def unban_from_server(self, mask: str) -> bool: ...

    async def backup(self, path: str) -> None:
        """A copy of what is stored, written to a new file at ``path``
        (chatroom-admin's ``backup``): the SQLite file, consistent, by its
        one writer; in cluster mode, Redis's keys as they are read.

        Raises:
            ChatError: ``NOT_SUPPORTED`` where there is nothing to copy.
        """
        ...

    # -- rooms -------------------------------------------------------------------

    def place(self, member: Member, room: str) -> str:
        """The name of room ``room``, which ``member`` must be in
        (``NOT_IN_ROOM``)."""
        ...

    def rooms_of(self, member: Member) -> list[str]:
        """The names of the rooms ``member`` is in (on this node)."""
        ...

    async def list_rooms(self) -> Listing: ...

    async def names_online(self) -> list[str]:
        """Every name held now, on every node, as shown: one read."""
        ...

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        """What this process holds of ``member`` speaking in room ``room``,
        read with no wait (``member`` False if it is not in a room of that
        name here)."""
        ...

    async def say(
        self, member: Member, session: SeatSession, change: DecidedChange
    ) -> None:
        """Apply a message's change (:func:`chatroom.core.changes.Append`,
        after a quiet member's :class:`~chatroom.core.changes.Announce`) if
        its premises hold where the message is numbered
        (:class:`~chatroom.core.changes.Unmoderated`, or the room's
        :class:`~chatroom.core.changes.Incarnation` and
        :class:`~chatroom.core.changes.Version`; the speaker's
        :class:`~chatroom.core.changes.QuietAmong`): ``event.id`` is set.
        Otherwise :class:`~chatroom.core.changes.PremiseFailedError` with
        the :class:`~chatroom.core.facts.SpeakingFacts` that hold now.

        Raises:
            ChatError: ``NOT_IN_ROOM`` (a member's change, the member gone
                from the room), ``UNAVAILABLE``, ``NOT_STORED``.
        """
        ...

    async def post(self, room: str, event: Message, now: float) -> None:
        """Number, keep and publish ``event`` to room ``room``'s members, as
        :meth:`say` does, from no session: a webhook's post, whose rules
        the core applied (``NO_SUCH_ROOM`` if the room is gone)."""
        ...

    async def history(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]: ...

    async def roster(self, room: str) -> Roster: ...

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        """Room ``room`` (``NO_SUCH_ROOM``) and the user called ``target``."""
        ...

    async def apply_topic(
        self, member: Member, session: SeatSession, change: DecidedChange
    ) -> None:
        """Apply a topic's change (:class:`~chatroom.core.changes.SetTopic`,
        then its event appended as :meth:`say` appends a message) by the
        member, if its premises (the room's
        :class:`~chatroom.core.changes.Incarnation` and
        :class:`~chatroom.core.changes.Version` as read) hold; else
        :class:`~chatroom.core.changes.PremiseFailedError`."""
        ...

    async def apply_delete(self, session: SeatSession, change: DecidedChange) -> None:
        """Apply a deletion's change (:class:`~chatroom.core.changes.Emit`
        the deletion, :class:`~chatroom.core.changes.Drop` the room: its
        members go to the lobby) if its premises hold; else
        :class:`~chatroom.core.changes.PremiseFailedError`."""
        ...

    async def apply_outcome(
        self, member: Member, session: SeatSession, change: DecidedChange
    ) -> None:
        """Apply a moderation's change by ``member``
        (:func:`chatroom.core.moderation.change_of`: its
        :class:`~chatroom.core.changes.SetPolicy`,
        :class:`~chatroom.core.changes.SetOwner`,
        :class:`~chatroom.core.changes.Emit`,
        :class:`~chatroom.core.changes.KickMember`,
        :class:`~chatroom.core.changes.TellUser`, in order) if its premises
        hold (the room's incarnation and version as read, the user it
        names connected and in the room or not as read); else
        :class:`FactsChangedError`."""
        ...

    async def apply_give(self, change: DecidedChange) -> None:
        """Give the room its new policy and owner (a server admin's ``rooms
        give``: :class:`~chatroom.core.changes.SetPolicy`,
        :class:`~chatroom.core.changes.SetOwner`, then
        :class:`~chatroom.core.changes.Emit` the owner change) in one step,
        if its premises (the room as read, the new owner in it) hold; else
        :class:`FactsChangedError`."""
        ...

    def watch_lobby(self, member: Member, watching: bool) -> None: ...
