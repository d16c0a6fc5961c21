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
core decided, :mod:`chatroom.core.entries`; a session's end and a room's
succession, :meth:`SeatingSteps.apply_departures` and
:meth:`SeatingSteps.apply_succession`, decided on what the back-end
reported, :class:`Reports`), publish an event
(:meth:`Backend.tell`, :meth:`Backend.tell_everyone`), read facts
(:meth:`Backend.facts`, :meth:`Backend.speaking`, :meth:`Backend.find_user`,
:meth:`Backend.roster`...) and apply a decided change
(:class:`~chatroom.core.changes.DecidedChange`): :meth:`Backend.apply`,
the one write of every kind but a join, a leave (:class:`SeatingSteps`)
and a message (:meth:`Backend.say`, its fast path), each of which checks
the change's premises and refuses with :class:`FactsChangedError` if one
no longer holds, and the core decides again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.account_settings import SettingStore
from chatroom.core.accounts import AccountStore
from chatroom.core.census import CensusSteps
from chatroom.core.changes import DecidedChange, Premise, RecordEntries
from chatroom.core.changes import FactsChangedError as FactsChangedError
from chatroom.core.events import (
    Event,
    Listing,
    PrivateRedacted,
    RoomEvent,
    SearchResult,
    StoredEvent,
    ToEveryone,
)
from chatroom.core.facts import (
    CreationFacts,
    Ending,
    RoomFacts,
    Seating,
    SeatingFacts,
    SpeakingFacts,
    WaitingFacts,
    WelcomeFacts,
)
from chatroom.core.files import FileStore, SharedBytes, UploadTokenStore
from chatroom.core.hooks import HookStore
from chatroom.core.lockdown import LockdownNews
from chatroom.core.markers import MarkerStore
from chatroom.core.member import Member
from chatroom.core.moderation import Target
from chatroom.core.modlog import ModerationLog
from chatroom.core.netbans import NetworkBanNews
from chatroom.core.pin_store import PinStore
from chatroom.core.presence import Presence, PresenceSteps
from chatroom.core.private import NO_COPY, ConversationStore, CopyTo
from chatroom.core.push import PushStore
from chatroom.core.reactions import ReactionFacts
from chatroom.core.report_store import ReportStore
from chatroom.core.roominfo import Roster
from chatroom.core.search import SearchQuery
from chatroom.core.seats import Session
from chatroom.core.userdata import UserDataSteps
from chatroom.core.watching import WatchSteps
from chatroom.core.whowas import WhowasSteps


class Reports(Protocol):
    """What a back-end tells the core of its own accord: what happened, as
    facts, for the core to decide on. The core registers it where the
    back-end is built (:class:`~chatroom.core.chat.ChatCore`); it decides,
    and applies what it decides through the back-end's steps, as it does
    a write it starts itself. A back-end hands it values, never a rule's
    outcome to follow, and takes nothing back from it."""

    def session_ended(self, member: Member, reason: str) -> None:
        """The session of ``member`` was ended under it (its name taken by
        a sign-in elsewhere, killed, banned): the core releases it, then
        disconnects it."""

    def room_shown(self, seat: Member, key: str) -> None:
        """Room ``key``, which a device of the account entered on another
        node, is now shown to ``seat`` here."""

    def device_logged_out(self, seat: Member, number: int, reason: str) -> None:
        """Device ``number`` of ``seat`` here is to end, told ``reason``: a
        device of the account on another node asked (``/logout ID``). The
        core ends the device session it holds, then disconnects it."""

    def entered(
        self, member: Member, view: WelcomeFacts, since: int | None, bound: int
    ) -> None:
        """``member`` is in room ``view.room``, as ``view`` says it was
        entered (a join, a create, a device's view): the core shows it its
        join reply (:func:`chatroom.core.membership.welcome`; ``since``: a
        resume from that id, missing events beyond ``bound``) before it
        returns, so the back-end delivers the room's events after it."""

    async def sessions_ended(self, ending: Ending) -> None:
        """Sessions ended, and their users leave the rooms of ``ending``
        (their facts as read): the core decides each room's departures and
        has the back-end apply them (:meth:`SeatingSteps.apply_departures`).
        Returns once every room is left."""

    async def rooms_waited(self, waiting: list[WaitingFacts], due: int) -> None:
        """The rooms ``waiting`` (their facts as read) waited for their
        members until ``due`` (ms; 0: a room found with no owner, after a
        cluster node resumed): the core decides each one's succession and
        has the back-end apply it (:meth:`SeatingSteps.apply_succession`).
        Returns once they are settled."""


#: A back-end's guard for facts that cannot change under a decision.
NO_GUARD = (b"", b"")


@dataclass(frozen=True)
class DecisionFacts:
    """What one decision on a room was made on: the room's facts (what the
    rules decide on, :class:`~chatroom.core.facts.RoomFacts`), the guard an
    apply step checks (what the facts were read at), the owner's name if
    present, the user a command names (None: nobody connected or
    registered) and, when that user is in the room, the room's seating
    about them (what a kick's departure is decided on)."""

    room: RoomFacts
    guard: tuple[bytes, bytes] = NO_GUARD
    owner_name: str = ""
    target: Target | None = None
    seating: Seating | None = None


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
        session: Session,
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
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        """Apply ``change``, the member's departure (``NOT_IN_ROOM``;
        :class:`~chatroom.core.changes.PremiseFailedError`)."""
        ...

    async def apply_departures(self, change: DecidedChange) -> None:
        """Apply ``change``, the departures from one room of users whose
        sessions ended (:mod:`chatroom.core.departures`), if its premises
        hold; else :class:`~chatroom.core.changes.PremiseFailedError` with
        the room's :class:`~chatroom.core.facts.LeavingFacts` as they are
        now."""
        ...

    async def apply_succession(self, change: DecidedChange) -> None:
        """Apply ``change``, a room's succession once its wait for its
        members is over (:mod:`chatroom.core.settling`), if its premises
        hold; else :class:`~chatroom.core.changes.PremiseFailedError` with
        the room's :class:`~chatroom.core.facts.WaitingFacts` as they are
        now."""
        ...


class MessageSteps(Protocol):
    """The back-end's reads of messages said before (what a reaction is
    decided on, a search) and its notices that are not kept (``/typing``,
    a link preview): a part of every :class:`Backend`, composed into it
    (its ``messages``). Edits, redactions, reactions and tags-only
    messages are changes :meth:`Backend.apply` applies."""

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        """What user ``user``'s (a name key) ``reaction`` to message
        ``target`` of room ``room`` (as :meth:`Backend.joined_room` named it) is
        decided on (:func:`chatroom.core.reactions.decide`): none given if
        the room is gone (the change's premises then fail)."""
        ...

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        """Publish ``event`` to room ``room``'s members without keeping it
        (a typing notice, a message to the operators)."""

    async def attach(self, room: str, event: RoomEvent) -> None:
        """Publish ``event`` to the members of room ``room`` (as
        :meth:`Backend.joined_room` named it) without keeping it, whoever is
        there: a link preview the server fetched for one of its messages
        (:mod:`chatroom.core.previews`), after its author may have left.
        Nothing if the room is gone."""

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """Up to ``limit`` stored messages of ``rooms`` (names as
        :meth:`Backend.joined_room` gives them) matching ``query``, newest first
        (:mod:`chatroom.core.search`)."""
        ...


#: An account's read markers: room key → the id of the newest event read.
Marks = dict[str, int]


class RememberedRooms(Protocol):
    """An account's rooms, kept (in the store or Redis) while it is away,
    so its next device is put back in them (:mod:`chatroom.core.devices`):
    read here; a change of an :class:`~chatroom.core.changes.AccountRooms`
    (rooms remembered and forgotten, in order) goes through
    :meth:`Backend.apply`."""

    async def rooms(self, account: str) -> list[str]:
        """The names of the rooms account ``account`` was in, oldest first."""
        ...


#: One device of an account, as ``/devices`` lists it: its number, its door
#: and when it signed in (Unix seconds).
DeviceRow = tuple[int, str, float]


class OtherNodes(Protocol):
    """An account's devices on the other nodes of a cluster (none in one
    process, where an account's devices share one seat): what
    :mod:`chatroom.core.devices` needs to count, list and end them all."""

    async def held_elsewhere(
        self, member: Member, session: Session
    ) -> list[str] | None:
        """``member`` has just signed in: None if its name is held on no
        other node, else the keys of the rooms its user is in there (the
        core then shows each to it: :meth:`show`)."""
        ...

    async def tell(self, account: str, token: str, event: PrivateRedacted) -> None:
        """``event`` (the sender's copy of a private message's deletion) to
        the account's devices on the nodes other than seat ``token``'s (the
        copy of a message goes with it: :class:`~chatroom.core.private.CopyTo`)."""
        ...

    async def show(
        self, member: Member, session: Session, key: str, since: int | None
    ) -> None:
        """Seat ``member`` here in room ``key``, which its account is in by
        a device on another node (:meth:`Member.entered`, from ``since``;
        the room hears nothing); nothing if it is here already.

        Raises:
            ChatError: ``NOT_IN_ROOM`` (the account left it meanwhile),
                ``NO_SUCH_ROOM`` (deleted meanwhile), ``UNAVAILABLE``.
        """
        ...

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

    Every step that names a member gets its :class:`Session` too (as the core
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
    def upload_tokens(self) -> UploadTokenStore:
        """Where ``/token``'s tokens are read, by every node (given and
        revoked by :meth:`apply`)."""
        ...

    @property
    def push(self) -> PushStore:
        """Where the VAPID key and accounts' push subscriptions are kept."""
        ...

    @property
    def pins(self) -> PinStore:
        """Where rooms' pinned messages are kept."""
        ...

    @property
    def abuse_reports(self) -> ReportStore:
        """Where the server's reports of messages are kept."""
        ...

    @property
    def settings(self) -> SettingStore:
        """Where accounts' settings (threads followed, notification
        levels) are kept."""
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
        """The nicks gone, read by every node (:mod:`chatroom.core.whowas`;
        kept by :meth:`apply`)."""
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
        """Its reads of messages said before, and its notices not kept."""
        ...

    @property
    def hooks(self) -> HookStore:
        """Where rooms' webhooks are kept (:mod:`chatroom.core.webhooks`)."""
        ...

    @property
    def modlog(self) -> ModerationLog:
        """Where rooms' moderation logs are read (entries are added by
        :meth:`apply`)."""
        ...

    @property
    def user_data(self) -> UserDataSteps:
        """A user's own data, read for ``/export`` and for a deletion's
        decisions (kept, taken and erased by :meth:`apply`)."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def detach(self) -> Deferred[None]: ...

    # -- names -------------------------------------------------------------------

    async def claim(
        self,
        member: Member,
        session: Session,
        name: str,
        account: str,
        takeover: bool,
        owner_follows: bool,
        premises: tuple[Premise, ...] = (),
        presence: Presence | None = None,
    ) -> bool:
        """Give ``name`` to ``member`` (``session.name`` is its old one, if
        any), signed in to ``account``, if the claim's ``premises`` hold
        (:class:`~chatroom.core.changes.NameRegistered`,
        :class:`~chatroom.core.changes.Banned`: what the core decided the
        claim on), checked in the same step as the name is taken; if one
        does not, nothing changes and :class:`PremiseFailedError` brings
        the :class:`~chatroom.core.facts.ClaimFacts` as they are. A session
        holding the name is ended if
        ``takeover``, else ``NAME_TAKEN``. True if it was a rename of a
        member in rooms (the core then tells them: :meth:`tell_neighbours`).
        A rename moves the member's seat in each of its rooms to the new
        name, and with ``owner_follows`` (the core's decision:
        :func:`chatroom.core.membership.owner_follows_rename`) the owner of
        a room it owns, unless the room's owner changed meanwhile.

        A first claim (no ``session.name``) with ``takeover`` is a sign-in
        to account ``name``: a session of the account holding the name on
        another node is kept, and ``member`` becomes one more holder of it
        (the account's devices here).

        ``presence``: the user's presence under its new name, kept in the
        same step as the name is given, as :meth:`PresenceSteps.publish
        <chatroom.core.presence.PresenceSteps.publish>` right after would
        keep it (an IRC sign-on's: one round trip, not two)."""
        ...

    async def sign(self, member: Member, session: Session, account: str) -> None:
        """The session is now signed in to ``account`` ("" for none)."""
        ...

    def connection_gone(self, member: Member, session: Session, reason: str) -> None:
        """The session's connection is gone (``reason``: how), its
        :meth:`release` to come in its door's turn, and the core frees its
        name for a claim here. Kept for the other nodes, whose claim of
        the name then ends it (saying ``reason``) instead of refusing."""

    def release(
        self, member: Member, session: Session, reason: str, own_words: bool = False
    ) -> None:
        """The session is gone: out of its rooms, whose ``QUIT`` departures
        (saying ``reason``, the user's own words if ``own_words``) the core
        decides on what the back-end reports (:meth:`Reports.sessions_ended`),
        and its name freed."""

    async def find_user(self, name: str) -> Target | None:
        """The user called ``name``: connected, or else a registered name."""
        ...

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """``event`` to the connected session ``target`` names
        (``NO_SUCH_USER`` if it is gone), and in the same step to
        ``copy``'s devices on other nodes (the sender's copy)."""
        ...

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        """``event`` once to every member who shares a room with ``member``
        (on every node), and to ``member`` too if ``including_self``: news
        of a user rather than of a room (a rename, a sign-in)."""
        ...

    async def tell_everyone(self, event: ToEveryone) -> None:
        """``event`` to every named session (of every node)."""
        ...

    async def end_user(
        self, name: str, reason: str, logged: RecordEntries | None = None
    ) -> str:
        """End the session of the user called ``name``; returns its name.
        ``logged``: the entries the server's moderation log records of it
        (a kill's), in the same step (none if there is nobody to end)."""
        ...

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        """``news`` hears every network ban made or lifted from now on, on
        any node, and when such news may have been missed."""

    def follow_lockdown(self, news: LockdownNews) -> None:
        """``news`` hears every lockdown level set from now on, on any
        node, and when such news may have been missed."""

    async def ignoring_changed(self, account: str, names: frozenset[str]) -> None:
        """Account ``account`` now ignores ``names``: its seats on every
        node take the list
        (:meth:`~chatroom.core.sessions.Sessions.ignoring_changed`)."""
        ...

    async def end_account_sessions(
        self, account: str, reason: str, logged: RecordEntries | None = None
    ) -> None:
        """Every session signed in to account ``account`` (its key), on
        every node and whatever name it goes by, is ended saying
        ``reason``, as a ban's :class:`~chatroom.core.changes.EndSessions`
        ends them (:meth:`Reports.session_ended`); ``logged`` as
        :meth:`end_user`'s."""
        ...

    async def backup(self, path: str) -> None:
        """A copy of what is stored, written to a new file at ``path``
        (chatroom-admin's ``backup``): the SQLite file, consistent, by its
        one writer; in cluster mode, Redis's keys as they are read.

        Raises:
            ChatError: ``NOT_SUPPORTED`` where there is nothing to copy.
        """
        ...

    # -- rooms -------------------------------------------------------------------

    def joined_room(self, member: Member, room: str) -> str:
        """The name of room ``room``, which ``member`` must be in
        (``NOT_IN_ROOM``)."""
        ...

    def rooms_of(self, member: Member) -> list[str]:
        """The names of the rooms ``member`` is in (on this node)."""
        ...

    async def list_rooms(self) -> Listing: ...

    async def count_rooms(self) -> int:
        """How many rooms there are, secret ones too (``LUSERS``): the
        count of :meth:`list_rooms`, without making the listing."""
        ...

    async def lobby_rooms(self) -> Listing:
        """The lobby's list: at most ``--lobby-rooms`` rooms, with how many
        more (:class:`~chatroom.core.lobby_list.LobbyList`), and the secret
        rooms; read without going through every room."""
        ...

    async def names_online(self) -> list[str]:
        """Every name held now, on every node, as shown: one read."""
        ...

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        """What this process holds of ``member`` speaking in room ``room``,
        read with no wait (``member`` False if it is not in a room of that
        name here)."""
        ...

    async def say(
        self, member: Member, session: Session, change: DecidedChange
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

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]: ...

    async def roster(self, room: str) -> Roster: ...

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        """Room ``room`` (``NO_SUCH_ROOM``) and the user called ``target``."""
        ...

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> None:
        """Apply a decided change atomically if every one of its premises
        holds, else :class:`~chatroom.core.changes.PremiseFailedError`
        (nothing applied). The one write of every kind but a join, a
        leave and a message (:meth:`enter`, :meth:`leave`, :meth:`say`):
        which store applies it is chosen by its subject. ``member`` and
        ``session``: who it is by, if anyone (a member's change of a room's
        messages must be by one of its members: ``NOT_IN_ROOM``).

        - :class:`~chatroom.core.changes.RoomMessages`: a topic
          (:class:`~chatroom.core.changes.SetTopic`, then its event
          appended as :meth:`say` appends a message), an edit or a
          redaction (:class:`~chatroom.core.changes.Rewrite`, resting on
          :class:`~chatroom.core.changes.MessageIs`), a reaction
          (:class:`~chatroom.core.changes.React`, resting on
          :class:`~chatroom.core.changes.Reacted` and
          :class:`~chatroom.core.changes.FewerReactionsThan`), a tags-only
          message, a webhook's post (an
          :class:`~chatroom.core.changes.Append` from outside;
          ``NO_SUCH_ROOM`` if the room is gone), a deleted account's words
          (:class:`~chatroom.core.changes.ReplaceEvent`, resting on
          :class:`~chatroom.core.changes.EventIs`: by nobody);
        - :class:`~chatroom.core.changes.RoomModeration`: a moderation
          command's (:func:`chatroom.core.moderation.change_of`, with the
          entries it records in the room's moderation log,
          :class:`~chatroom.core.changes.RecordEntries`, applied with it)
          or a server admin's gift
          (:func:`chatroom.core.moderation.gift_change`);
        - :class:`~chatroom.core.changes.RoomSeating`: a deletion
          (:class:`~chatroom.core.changes.Emit` it,
          :class:`~chatroom.core.changes.Drop` the room: its members go to
          the lobby);
        - :class:`~chatroom.core.changes.RoomName`: a rename
          (:class:`~chatroom.core.changes.RenameRoom`, resting on
          :class:`~chatroom.core.changes.NameFree`);
        - a room's webhooks and pins
          (:class:`~chatroom.core.changes.RoomHooks`,
          :class:`~chatroom.core.changes.RoomPins`), an account's settings
          (:class:`~chatroom.core.changes.AccountSettings`), an invitation
          (:class:`~chatroom.core.changes.InvitationCode`) and the
          server's reports (:class:`~chatroom.core.changes.ServerReports`:
          a :class:`~chatroom.core.changes.FileReport` or a
          :class:`~chatroom.core.changes.CloseReport`, resting on the last
          number as read, the message not reported by that reporter, the
          report still open), as their stores apply them;
        - an account's markers, record, push subscriptions (one, or every
          one: :class:`~chatroom.core.changes.DropSubscriptions`) and
          remembered rooms (:class:`~chatroom.core.changes.AccountMarkers`,
          :class:`~chatroom.core.changes.AccountRecord`,
          :class:`~chatroom.core.changes.AccountPush`,
          :class:`~chatroom.core.changes.AccountRooms`), as their stores
          apply them; a subscription added or forgotten rests on
          :class:`~chatroom.core.changes.Registered` too; an account given
          up (:func:`chatroom.core.accounts.unregistering`) signs the
          asking session out (:class:`~chatroom.core.changes.SignOut`) and
          ends the account's other sessions on every node
          (:class:`~chatroom.core.changes.EndSessions`) in the record's
          own step;
        - :class:`~chatroom.core.changes.AccountHoldings`: a deleted
          account's erasure (:class:`~chatroom.core.changes.EraseAccount`,
          after its room messages' changes), resting on no premise;
        - :class:`~chatroom.core.changes.NameHolders`: a nick gone, for
          ``WHOWAS`` (:class:`~chatroom.core.changes.RememberGone`),
          resting on no premise;
        - :class:`~chatroom.core.changes.StoredHistories`: a sweep by age
          (:class:`~chatroom.core.changes.AgeOut`, resting on
          :class:`~chatroom.core.changes.SweepLease`:
          :mod:`chatroom.core.retention`), every room's events said before
          its time gone, whether or not anyone speaks there; a back-end
          may apply it room by room;
        - :class:`~chatroom.core.changes.PrivateConversation`: a message
          kept in it (:class:`~chatroom.core.changes.AppendPrivate`: its
          ``id`` set) or deleted from it
          (:class:`~chatroom.core.changes.DeletePrivate`, resting on
          :class:`~chatroom.core.changes.PrivateKept`):
          :func:`chatroom.core.private.appended`,
          :func:`chatroom.core.private.deleted`;
        - :class:`~chatroom.core.changes.AccountWaiting`: a private message
          kept for an account nobody is signed in to
          (:class:`~chatroom.core.changes.KeepPrivate`, resting on
          :class:`~chatroom.core.changes.Registered`,
          :class:`~chatroom.core.changes.SessionIs` with no session and
          :class:`~chatroom.core.changes.FewerWaitingThan`:
          :func:`chatroom.core.private.kept_for`);
        - :class:`~chatroom.core.changes.AccountFiles`: an upload recorded
          (:class:`~chatroom.core.changes.AddFile`, resting on
          :class:`~chatroom.core.changes.UsageAtMost`: the quota) or
          removed (:class:`~chatroom.core.changes.RemoveFile`, resting on
          :class:`~chatroom.core.changes.FileKept`);
        - :class:`~chatroom.core.changes.AccountUploadTokens`: a ``/token``
          given (:class:`~chatroom.core.changes.IssueToken`, its deadline
          the core's, resting on :class:`~chatroom.core.changes.Registered`)
          or the account's revoked
          (:class:`~chatroom.core.changes.RevokeTokens`, resting on no
          premise);
        - :class:`~chatroom.core.changes.AccountSignIns`: a device
          session's token kept (:class:`~chatroom.core.changes.
          KeepSignInToken`: made, resting on
          :class:`~chatroom.core.changes.Registered` and the token new; or
          used, resting on :class:`~chatroom.core.changes.SignInTokenIs`,
          the token as read), one dropped
          (:class:`~chatroom.core.changes.DropSignInToken`) or the
          account's every one (:class:`~chatroom.core.changes.
          DropSignInTokens`): :mod:`chatroom.core.sign_in_tokens`;
        - :class:`~chatroom.core.changes.CountedEvents`: a registration
          counted (:class:`~chatroom.core.changes.CountEvent`, resting on
          :class:`~chatroom.core.changes.FewerThan`) or given back;
        - :class:`~chatroom.core.changes.CountedFailures`: a wrong password
          or code counted (:class:`~chatroom.core.changes.CountFailure`,
          resting on :class:`~chatroom.core.changes.WaitedOut`), given back
          or cleared;
        - an account's ignore list and when it was registered
          (:class:`~chatroom.core.changes.AccountIgnores`,
          :class:`~chatroom.core.changes.AccountAge`), the server's
          lockdown level (:class:`~chatroom.core.changes.ServerLockdown`,
          heard by every node's :meth:`follow_lockdown` listeners):
          resting on no premise;
        - :class:`~chatroom.core.changes.ServerBanList`: a ban made
          (:class:`~chatroom.core.changes.AddBan`) or lifted
          (:class:`~chatroom.core.changes.LiftBan`), a network's heard by
          every node's :meth:`follow_network_bans` listeners, and the
          sessions the core decided the bans cover ended, told why, on
          every node (:class:`~chatroom.core.changes.EndSessions`),
          resting on :class:`~chatroom.core.changes.Banned`;
        - :class:`~chatroom.core.changes.ModerationLogOf`: entries added to
          a room's or the server's moderation log
          (:class:`~chatroom.core.changes.RecordEntries`:
          :func:`chatroom.core.modlog.recorded`), resting on no premise
          (none to a room gone); an action's own entries ride in its
          change instead (a pin's, a redaction's, a rename's, a report's,
          a server ban's, a lockdown's: a ``RecordEntries`` naming its log,
          :func:`chatroom.core.modlog.recording`), applied with it or not
          at all;
        - :class:`~chatroom.core.changes.KeptExport`: an export kept
          (:class:`~chatroom.core.changes.KeepExport`) or taken
          (:class:`~chatroom.core.changes.DropExport`, resting on
          :class:`~chatroom.core.changes.ExportKept`: handed out once).
        """
        ...

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        """Start or stop :meth:`Member.lobby_changed` calls for ``member``;
        fires once every change from then on reaches it (a node of a
        cluster first has Redis confirm its subscription)."""
        ...
