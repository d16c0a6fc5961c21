"""The in-process back-end: names and rooms of a server that runs alone.

:class:`LocalBackend` implements :class:`chatroom.core.backend.Backend` on
this process's memory: every step completes in the call that asks for it
(only ``/history`` beyond memory waits for the store), so the line door's
handlers run to completion as plain calls. Rooms, topics and messages are
also handed to the :class:`~chatroom.backends.local.store.Store` (``--db``),
written off the reactor thread and restored at start-up. The rules and the
events are the core's (:class:`chatroom.core.chat.ChatCore`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.backends.local import applying
from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.files import MemoryUploadTokens, StoredFiles
from chatroom.backends.local.hooks import StoredHooks
from chatroom.backends.local.markers import StoredMarkers
from chatroom.backends.local.messages import LocalMessageSteps
from chatroom.backends.local.modlog import StoredModerationLog
from chatroom.backends.local.other_nodes import NoOtherNodes, NoPresence
from chatroom.backends.local.outage import StoreOutage
from chatroom.backends.local.pins import StoredPins
from chatroom.backends.local.private import StoredConversations
from chatroom.backends.local.push import StoredPush
from chatroom.backends.local.remembered import StoredRooms
from chatroom.backends.local.renames import FormerNames
from chatroom.backends.local.reports import StoredReports
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.rows import row_of
from chatroom.backends.local.settings import StoredSettings
from chatroom.backends.local.store import MemoryStore, Store
from chatroom.backends.local.userdata import LocalUserData
from chatroom.backends.local.whowas import MemoryWhowas
from chatroom.core import errors
from chatroom.core.backend import DecisionFacts, Reports
from chatroom.core.census import OneProcess
from chatroom.core.changes import (
    AccountAge,
    AccountFiles,
    AccountHoldings,
    AccountIgnores,
    AccountMarkers,
    AccountPush,
    AccountRecord,
    AccountRooms,
    AccountSettings,
    AccountSignIns,
    AccountUploadTokens,
    AccountWaiting,
    AddBan,
    AgeOut,
    Announce,
    Append,
    Banned,
    CountedEvents,
    CountedFailures,
    DecidedChange,
    Drop,
    Emit,
    EndSessions,
    EventIs,
    Exists,
    FewerReactionsThan,
    Incarnation,
    InvitationCode,
    KeptExport,
    KickMember,
    LiftBan,
    MakeRoom,
    MessageIs,
    ModerationLogOf,
    NameFree,
    NameHolders,
    NameRegistered,
    OwnerIs,
    PartyRegistered,
    Premise,
    PremiseFailedError,
    Present,
    PrivateConversation,
    QuietAmong,
    React,
    Reacted,
    RecordEntries,
    Registered,
    RemoveMember,
    RenameRoom,
    ReplaceEvent,
    ReplyHistory,
    Rewrite,
    RoomHooks,
    RoomMessages,
    RoomModeration,
    RoomName,
    RoomPins,
    RoomSeating,
    ServerBanList,
    ServerLockdown,
    ServerReports,
    SessionIs,
    SetLockdown,
    SetOwner,
    SetPolicy,
    SetTopic,
    SignOut,
    StoredHistories,
    TellUser,
    Unmoderated,
    Version,
    by_nobody,
)
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    DepartureKind,
    Event,
    Listing,
    LobbyChanges,
    Renamed,
    RoomRenamed,
    Sighting,
    StoredEvent,
    ToEveryone,
    Watched,
)
from chatroom.core.facts import (
    ClaimFacts,
    CreationFacts,
    Ending,
    LeavingFacts,
    SeatingFacts,
    SpeakingFacts,
    Target,
    WaitingFacts,
)
from chatroom.core.fanout import deliver_to, fan_out
from chatroom.core.files import SharedBytes
from chatroom.core.lobby import LobbyWatchers
from chatroom.core.lobby_list import LobbyList
from chatroom.core.lockdown import Lockdown, LockdownNews
from chatroom.core.member import Member
from chatroom.core.netbans import IP, UNKNOWN, BanTerms, NetworkBanNews, ServerBan
from chatroom.core.presence import Presence, PresenceSteps
from chatroom.core.private import NO_COPY, CopyTo
from chatroom.core.roominfo import Roster
from chatroom.core.seats import Session
from chatroom.core.sessions import Sessions
from chatroom.core.text import name_key
from chatroom.core.throttle import MemoryFailures, MemoryWindows
from chatroom.core.watching import LocalWatching

#: One subject's step of :meth:`LocalBackend.apply`: the change and the
#: member it is by (None: by nobody connected, or an account's).
Applier = Callable[[DecidedChange, "Member | None"], Awaitable[None]]


#: The premises about a room's stored messages and their reactions
#: (:meth:`LocalMessageSteps.holds`).
MESSAGE_PREMISES = (MessageIs, EventIs, Reacted, FewerReactionsThan)


class LocalBackend:
    """Names, rooms and lobby watchers in one process.

    Names are unique under :func:`chatroom.core.text.name_key`: ``users`` maps
    that key to the member (a seat) holding it, shown by its core's
    :class:`~chatroom.core.seats.Session` name; rooms are keyed the same
    way; ``places`` lists the rooms each member is in."""

    log = Logger()

    #: In-process state is always within reach.
    available = True

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        sessions: Sessions,
        reports: Reports,
        store: Store | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sessions = sessions
        #: Where sessions ended here and rooms whose wait is over are told.
        self.reports = reports
        self.store: Store = store or MemoryStore(config.retention)
        self.users: dict[str, Member] = {}
        self.rooms: dict[str, Room] = {}
        #: A tuple each (one room: 48 bytes, where a list grown by one
        #: append is 104): an idle member holds one.
        self.places: dict[Member, tuple[Room, ...]] = {}
        self.stopping = False
        #: The lobby's list, and the rooms whose listing changed since it
        #: was last brought up to date (at the next read: a room's listing
        #: is told changed before some of its changes are made).
        self.lobby_list = LobbyList(config.rooms, config.lobby_rooms)
        self._relist: dict[str, None] = {}
        self.lobby = LobbyWatchers(
            clock, config.lobby_interval, self._lobby_entries, self.lobby_list
        )
        #: The newest event id of rooms that are gone: made again, a room
        #: goes on from there, so an id never means two events.
        self.last_ids: dict[str, int] = {}
        #: The store's (Backend.store_epoch), once :meth:`_restore` read it.
        self.store_epoch = ""
        self._grace: IDelayedCall | None = None
        self.store.on_trimmed = self._aged_out
        #: Refuses messages while the store cannot write them.
        self.outage = StoreOutage(self.store)
        self.account_store = StoredAccounts(self.store)
        #: Registrations counted in this process's memory.
        self.account_store.windows = self.windows = MemoryWindows(clock)
        #: Wrong passwords and codes counted in this process's memory.
        self.account_store.failures = self.failures = MemoryFailures(clock)
        #: Who hears a network ban: the doors' server, which ends the
        #: connections it covers (:meth:`follow_network_bans`).
        self.network_ban_listeners: list[NetworkBanNews] = []
        self.lockdown_listeners: list[LockdownNews] = []
        self.markers = StoredMarkers(self.store, self.account_store)
        self.remembered = StoredRooms(self.store, self.account_store)
        #: Accounts' settings (chatroom.core.account_settings).
        self.settings = StoredSettings(self.store, self.account_store)
        self.files = StoredFiles(self.store)
        #: A single server's files' bytes are its own directory's.
        self.file_bytes: SharedBytes | None = None
        #: ``/token``'s tokens live in this process's memory.
        self.upload_tokens = MemoryUploadTokens(clock)
        self.push = StoredPush(self.store)
        self.other_nodes = NoOtherNodes()
        self.presence: PresenceSteps = NoPresence()
        self.whowas = MemoryWhowas()
        #: Names coming and going, for the doors' watchers (MONITOR).
        self.watching = LocalWatching()
        self.census = OneProcess()
        self.conversations = StoredConversations(
            self.store, self.account_store, config.conversation_retention
        )
        #: Edits, redactions and reactions; typing notices; /modlog.
        self.messages = LocalMessageSteps(self.store, self._room_of, self.rooms)
        self.modlog = StoredModerationLog(self.store, self.rooms.__contains__)
        self.hooks = StoredHooks(self.store, self.rooms.__contains__)
        #: Rooms' pinned messages (chatroom.core.pins).
        self.pins = StoredPins(self.store, lambda c: self._changed_room(c, None))
        #: The server's reports of messages (chatroom.core.abuse_reports).
        self.abuse_reports = StoredReports(self.store)
        #: /export and /delete-account (chatroom.core.userdata).
        self.user_data = LocalUserData(
            self.store,
            lambda: self.rooms,
            self.account_store,
            self.markers,
            self.remembered,
            self.conversations,
            self.clock,
        )
        #: Renamed rooms' former names, within their grace.
        self.former_names = FormerNames(self.store)
        #: The step that applies a change, by its subject's kind.
        self._appliers = self._applier_table()
        self._restore()

    # -- restoring what the store kept --------------------------------------------

    def _new_room(self, name: str, permanent: bool, owner: Member | None) -> Room:
        last_id = self.last_ids.pop(name_key(name), 0)
        return Room.configured(
            *(self.config, self.store.persistent, name, permanent, owner, last_id),
            self.clock.seconds(),
        )

    def _restore(self) -> None:
        """Permanent rooms, then every room the store kept, with its history.

        Restored rooms that nobody rejoins within ``--grace`` are harvested
        (:meth:`_grace_over`), so reconnecting clients find their room.
        """
        config = self.config
        loading = max(config.history, config.resume_bound)
        loaded = self.store.load(loading)
        self.last_ids.update(loaded.last_ids)
        self.store_epoch = loaded.epoch
        permanent = {name_key(name): name for name in config.rooms}
        for name in config.rooms:
            self._add_room(self._new_room(name, True, None))
        for record in loaded.rooms:
            room = self.rooms.get(record.key)
            if room is None:
                room = self._new_room(record.name, False, None)
                room.restored = True
                room.absent_owner = name_key(record.owner) if record.owner else ""
                self._add_room(room)
            room.restore(record)
            if len(record.recent) >= loading:  # older ones are the store's
                room.held_from = record.recent[0][0]
            for row in record.recent:
                room.remember(room.stored(row))
        for room in self.rooms.values():
            if room.key in permanent:
                self._save(room)
        if restored := sum(room.restored for room in self.rooms.values()):
            self.log.info("restored {count} rooms", count=restored)
            due = self._ms(self.clock.seconds() + config.grace)
            for room in self.rooms.values():
                if room.restored or room.absent_owner:
                    room.waits_until = due
            self._grace = self.clock.callLater(config.grace, self._grace_over)

    @staticmethod
    def _ms(seconds: float) -> int:
        return int(seconds * 1000)

    def _grace_over(self) -> None:
        """Restored rooms waited long enough: reported to the core with
        their facts, which decides what becomes of each
        (:mod:`chatroom.core.settling`) and hands it back as a change
        (:meth:`apply_succession`)."""
        self._grace = None
        waiting = [
            applying.waiting_facts(room)
            for room in self.rooms.values()
            if room.restored or room.absent_owner
        ]
        due = self._ms(self.clock.seconds())
        settled = Deferred.fromCoroutine(self.reports.rooms_waited(waiting, due))
        settled.addErrback(
            lambda failure: self.log.failure("restored rooms not settled", failure)
        )

    async def apply_succession(self, change: DecidedChange) -> None:
        """A restored room's succession, as the core decided it: checked
        on the room as it is, then performed (the room dropped if the
        change says so)."""
        room = self.rooms.get(change.room)
        premise = applying.failed(room, change, None, "", len(self.rooms))
        if premise is not None:
            now = WaitingFacts(change.room, False)
            if room is not None:
                now = applying.waiting_facts(room)
            raise PremiseFailedError(now, premise)
        assert room is not None
        owner = room.owner
        applying.perform(room, change, None, "")
        if change.of(Drop):
            self._remove_room(room)
        elif room.owner is not owner:
            self._save(room)

    async def _age_out(self, change: DecidedChange) -> None:
        """A sweep by age (:mod:`chatroom.core.retention`): the store's
        trim by age is of every room already, so it is handed the oldest
        time kept as a message's :class:`Append` hands it, and the events
        said before it go with its next trim (:meth:`Store.age_out`). One
        process sweeps alone: its :class:`~chatroom.core.changes.
        SweepLease` always holds."""
        for ageing in change.of(AgeOut):
            self.store.age_out(ageing.oldest)

    def _aged_out(self, firsts: dict[str, int]) -> None:
        """Events older than ``--retention-age`` left the store: memory and
        resumes follow (a resume from before them now has a ``GAP``)."""
        for key, first in firsts.items():
            if (room := self.rooms.get(key)) is not None:
                room.forget_before(first)

    def _save(self, room: Room) -> None:
        """Tell the store the room's name, owner and topic."""
        self.store.save_room(room.record())

    # -- life -------------------------------------------------------------------

    async def caught_up(self) -> None:
        """One process hands out its events as they happen: nothing to wait."""

    def start(self) -> None:
        """Nothing to connect to."""

    def stop(self) -> None:
        """Shutdown: departures are no longer announced, no more lobby pushes,
        and rooms emptied from now on stay (in the store, for the restart)."""
        self.stopping = True
        self.lobby.stop()
        if self._grace is not None and self._grace.active():
            self._grace.cancel()

    def detach(self) -> Deferred[None]:
        """Every session is closed: write what is pending and close the store."""
        return self.store.close()

    # -- names ----------------------------------------------------------------

    def _name(self, member: Member) -> str:
        return self.sessions[member].name

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
        """The name given, then ``presence`` handed to :attr:`presence` as
        a write right after the claim would hand it (no other node asks
        here: :class:`NoPresence` keeps nothing)."""
        key = name_key(name)
        await self._claim_holds(key, premises)
        holder = self.users.get(key)
        if holder is not None and holder is not member:
            if not takeover:
                raise errors.name_taken(name)
            self.reports.session_ended(holder, "signed in elsewhere")
        old = session.name or None
        if old is not None:
            del self.users[name_key(old)]
        else:  # a rename's watchers hear it after its NICK (tell_neighbours)
            self.watching.hear(Watched(name, Sighting.ONLINE))
        self.users[key] = member
        in_rooms = old is not None and self._renamed(member, name, old, owner_follows)
        if presence is not None:
            await self.presence.publish(key, session.token, presence)
        return in_rooms

    def _renamed(
        self, member: Member, name: str, old: str, owner_follows: bool
    ) -> bool:
        """A claim's rename, in ``member``'s rooms: whether it has any."""
        rooms = self.places.get(member, ())
        for room in rooms:
            room.rename(member, name)
            if room.owner is member:
                if not owner_follows:  # the former name owns it, absent
                    room.owner, room.absent_owner = None, name_key(old)
                self._save(room)
        return bool(rooms)

    async def _claim_holds(self, key: str, premises: tuple[Premise, ...]) -> None:
        """A claim of name ``key``'s premises, checked on the accounts and
        the server's bans as kept: :class:`PremiseFailedError` with the
        claim's facts now if one does not hold."""
        masks = [p.mask for p in premises if isinstance(p, Banned)]
        registered = await self.account_store.get(key) is not None
        banned = await self.account_store.is_server_banned(masks)
        for premise in premises:
            if isinstance(premise, NameRegistered):
                holds = premise.registered == registered
            elif isinstance(premise, Banned):
                holds = premise.banned == await self.account_store.is_server_banned(
                    [premise.mask]
                )
            else:
                raise TypeError(f"no premise {premise!r} of a name's claim")
            if not holds:
                raise PremiseFailedError(ClaimFacts(registered, banned), premise)

    async def sign(self, member: Member, session: Session, account: str) -> None:
        """Nothing to share: the core's session says which account it is."""

    def connection_gone(self, member: Member, session: Session, reason: str) -> None:
        """No other node to tell: the core frees the name for a claim."""

    def release(
        self, member: Member, session: Session, reason: str, own_words: bool = False
    ) -> None:
        """The session's rooms are reported to the core, which decides the
        departures (:mod:`chatroom.core.departures`) and hands each back
        (:meth:`apply_departures`: all within this call, as nothing here
        waits); at shutdown the seats go with nothing shown (every room
        that exists then is restored as it was). Then the name is free."""
        self.lobby.watch(member, False)
        rooms = self.places.get(member, ())
        key = name_key(session.name) if session.name else None
        if self.stopping:
            for room in rooms:
                room.depart(member)
                self._unplace(member, room)
        elif rooms and key is not None:
            ending = Ending(
                ((key, session.name),),
                tuple(applying.leaving_facts(room, (key,), member) for room in rooms),
                DepartureKind.QUIT,
                reason,
                own_words=own_words,
            )
            left = Deferred.fromCoroutine(self.reports.sessions_ended(ending))
            left.addErrback(
                lambda failure: self.log.failure("departures not applied", failure)
            )
        if key is not None and self.users.get(key) is member:
            del self.users[key]
            self.watching.hear(Watched(session.name, Sighting.OFFLINE))

    async def apply_departures(self, change: DecidedChange) -> None:
        """Departures of a session's end, as the core decided them: checked
        on the room as it is, then performed (the room dropped if the
        change says so)."""
        room = self.rooms.get(change.room)
        user = change.about[0] if len(change.about) == 1 else ""
        member = self.users.get(user) if user else None
        if room is not None and member not in room.members:
            member = room.member_keyed(user) if user else None
        premise = applying.failed(room, change, member, user, len(self.rooms))
        if premise is not None:
            now = LeavingFacts(change.room, False)
            if room is not None:
                now = applying.leaving_facts(room, change.about)
            raise PremiseFailedError(now, premise)
        assert room is not None
        gone = [
            member if op.user == user else room.member_keyed(op.user)
            for op in change.of(RemoveMember)
        ]
        owner = room.owner
        applying.perform(room, change, member, user)
        for left in gone:
            if left is not None:
                self._unplace(left, room)
        if change.of(Drop):
            self._remove_room(room)
            return
        if room.owner is not owner:
            self._save(room)
        self._room_changed(room)

    async def find_user(self, name: str) -> Target | None:
        return self._target(name)

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """One process: the core hands the sender's devices their copy."""
        recipient = self.users.get(target.key)
        session = self.sessions.get(recipient) if recipient is not None else None
        if recipient is None or session is None or session.token != target.session:
            raise errors.no_such_user(target.name)
        deliver_to(recipient, event)

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        neighbours: dict[Member, None] = {}  # each once, in the rooms' order
        for room in self.places.get(member, ()):
            neighbours.update(dict.fromkeys(room.members))
        if not including_self:
            neighbours.pop(member, None)
        elif member not in neighbours:
            neighbours[member] = None
        fan_out(neighbours, event)
        if isinstance(event, Renamed) and name_key(event.old) != name_key(event.new):
            self.watching.hear(Watched(event.old, Sighting.OFFLINE))
            self.watching.hear(Watched(event.new, Sighting.ONLINE))

    async def tell_everyone(self, event: ToEveryone) -> None:
        fan_out(self.sessions.addressed(event), event)

    async def end_user(
        self, name: str, reason: str, logged: RecordEntries | None = None
    ) -> str:
        victim = self.users.get(name_key(name))
        if victim is None:
            raise errors.no_such_user(name)
        shown = self._name(victim)
        self.reports.session_ended(victim, reason)
        if logged is not None:
            self.modlog.record(logged.log, logged.entries)
        return shown

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        self.network_ban_listeners.append(news)

    def follow_lockdown(self, news: LockdownNews) -> None:
        self.lockdown_listeners.append(news)

    async def ignoring_changed(self, account: str, names: frozenset[str]) -> None:
        self.sessions.ignoring_changed(account, names)

    async def end_account_sessions(
        self, account: str, reason: str, logged: RecordEntries | None = None
    ) -> None:
        self._end_sessions(EndSessions("", account, reason))
        if logged is not None:
            self.modlog.record(logged.log, logged.entries)

    async def backup(self, path: str) -> None:
        await self.store.backup(path)

    # -- rooms ----------------------------------------------------------------

    async def list_rooms(self) -> Listing:
        return Listing([room.info() for room in self.rooms.values()])

    async def count_rooms(self) -> int:
        return len(self.rooms)

    async def lobby_rooms(self) -> Listing:
        return self._lobby_list().listing()

    def _lobby_list(self) -> LobbyList:
        """The lobby's list, with the rooms changed since put again."""
        lobby_list = self.lobby_list
        relist, self._relist = self._relist, {}
        for key in relist:
            room = self.rooms.get(key)
            if room is None:
                lobby_list.drop(key)
            else:
                lobby_list.put(key, room.info())
        return lobby_list

    async def names_online(self) -> list[str]:
        return [session.name for _, session in self.sessions.named()]

    def _find(self, name: str) -> Room:
        if (room := self.rooms.get(name_key(name))) is None:
            raise errors.no_such_room(name)
        return room

    def _room_of(self, member: Member, name: str) -> Room:
        """The room ``name``, which ``member`` must be in."""
        room = self.rooms.get(name_key(name))
        if room is None or member not in room.members:
            raise errors.not_in_room()
        return room

    def joined_room(self, member: Member, room: str) -> str:
        return self._room_of(member, room).name

    def rooms_of(self, member: Member) -> list[str]:  # only sign-ins ask: a walk
        return [room.name for room in self.rooms.values() if member in room.members]

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        where = self._find(room)
        key = where.key_of(member) if member in where.members else ""
        return applying.seating_facts(where, member, key)

    async def creation_facts(self, name: str) -> CreationFacts:
        room = self.rooms.get(name_key(name))
        renamed_to = self._leads_to(name_key(name))
        return CreationFacts(room.name if room else "", len(self.rooms), renamed_to)

    def _leads_to(self, key: str) -> str:
        """The room former name ``key`` leads to now ("" for none: never
        renamed, its grace over, or the room gone since)."""
        name = self.former_names.leads_to(key, self.clock.seconds())
        return name if name_key(name) in self.rooms else ""

    async def enter(
        self,
        member: Member,
        session: Session,
        change: DecidedChange,
        moving: DecidedChange | None,
        since: int | None,
    ) -> DecidedChange | None:
        """The join (or create) and the departure from the room left for
        it, checked together and applied together: a refusal changes
        nothing."""
        key = name_key(session.name)
        room = self.rooms.get(change.room)
        old = None if moving is None else self.rooms.get(moving.room)
        making, shown = _made_and_shown(change)
        if room is None and making is None:
            raise errors.no_such_room(change.room)
        self._check(room, change, member, key)
        if moving is not None:
            self._check(old, moving, member, key)
        if making is not None:
            room = self._new_room(making.name, False, None)
            room.created_at = making.now or room.created_at
            self._add_room(room)
        assert room is not None
        if moving is not None and old is not None:
            self._apply_leave(old, moving, member, key)
        owner = room.owner
        applying.perform(room, change, member, key)
        self.places[member] = (*self.places.get(member, ()), room)
        bound = 0 if shown is None else shown.most
        view = room.entered_as(member, shown, self.pins.count(room.key))
        self.reports.entered(member, view, since, bound)
        if making is not None or room.owner is not owner:
            self._save(room)  # made, or its owner is back
        self._room_changed(room)
        self.log.info("{user} joined {room}", user=session.name, room=room.name)
        return None

    def _check(
        self, room: Room | None, change: DecidedChange, member: Member, key: str
    ) -> None:
        """:class:`PremiseFailedError`, with the facts as they are, if a
        premise of ``change`` does not hold."""
        premise = applying.failed(room, change, member, key, len(self.rooms))
        if premise is None:
            return
        facts: object = None
        if room is not None:
            facts = applying.seating_facts(room, member, key)
        raise PremiseFailedError(facts, premise)

    async def leave(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        room = self.rooms.get(change.room)
        if room is None or member not in room.members:
            raise errors.not_in_room()
        key = room.key_of(member)
        self._check(room, change, member, key)
        self._apply_leave(room, change, member, key)

    def _apply_leave(
        self, room: Room, change: DecidedChange, member: Member, key: str
    ) -> None:
        """A departure decided and checked: performed, the room dropped
        if the change says so (not while stopping: every room that exists
        then is restored)."""
        owner = room.owner
        applying.perform(room, change, member, key)
        self._unplace(member, room)
        if self.stopping:
            return
        if change.of(Drop):
            self._remove_room(room)
        else:
            if room.owner is not owner:
                self._save(room)
            self._room_changed(room)

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        where = self.rooms.get(name_key(room))
        if where is None or member not in where.members:
            return SpeakingFacts(room if where is None else where.name, False)
        if where.quiet and member in where.quiet:
            return SpeakingFacts(where.name, True, True, where.policy.moderated)
        return where.speaking()

    async def say(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        """Its premises checked on the room as it is (nothing changes in
        one process between the core's read and this step, but what a wait
        of the core's let in), then numbered with the room's next id."""
        said = change.ops[-1]
        assert isinstance(said, Append)
        where = self.rooms.get(name_key(said.event.room))
        if where is None or (member not in where.members and not said.outside):
            raise errors.not_in_room()
        if not self._holds(where, member, change.premises):
            seated, moderated = member in where.members, where.policy.moderated
            quiet = member in where.quiet
            facts = SpeakingFacts(where.name, seated, quiet, moderated)
            raise PremiseFailedError(facts)
        self.outage.check(where, said.event)  # nothing acknowledged unkept
        if len(change.ops) > 1:  # a quiet member's JOIN first
            where.announced(member, tuple(op.event for op in change.of(Announce)))
        self._said(where, said)

    def _said(self, where: Room, said: Append) -> None:
        """``said.event`` numbered with the room's next id, shown and kept;
        the events said before ``said.oldest`` go with the store's next trim
        by age (:meth:`Store.age_out`)."""
        event = said.event
        event.id = str(where.last_id + 1)
        where.broadcast(event)
        where.remember(event)
        self.store.add_event(where.key, row_of(event), said.now)
        if said.oldest:
            self.store.age_out(said.oldest)

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]:
        where = self._room_of(member, room)
        last = where.last_id if before is None else min(before - 1, where.last_id)
        first = max(where.first_id, last - count + 1)
        if last < first:
            return []
        if where.holds_from(first):
            return where.held(first, last)
        rows = await self.store.read(where.key, first, last)
        return [where.stored(row) for row in rows]

    async def roster(self, room: str) -> Roster:
        where = self._find(room)
        facts = where.facts()
        members = [
            self._target(name, where) or Target(name) for name in where.members.values()
        ]
        return Roster(
            room=where.name,
            owner=where.owner_name,
            owner_key=facts.owner,
            topic=where.topic,
            topic_by=where.topic_by,
            policy=where.policy,
            targets=members,
            topic_at=where.topic_at,
            created_at=where.created_at,
        )

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        where = self._find(room)
        found = self._target(target, where) if target else None
        kept = self.users.get(name_key(target)) if found and found.present else None
        seating = where.seating(kept) if kept in where.members else None
        return DecisionFacts(
            where.facts(), where.guard, where.owner_name, found, seating
        )

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> None:
        """The one write of a decided change, by its subject: its premises
        checked on what it is about, then its operations in order."""
        await self._appliers[type(change.subject)](change, member)

    def _applier_table(self) -> dict[type, Applier]:
        """Which step applies a change of each subject (a room's seating
        here is a deletion: joins and leaves are :meth:`enter` and
        :meth:`leave`)."""
        return {
            RoomMessages: self._recording(self._apply_messages),
            RoomModeration: self._apply_moderation,
            RoomSeating: self._apply_deletion,
            RoomHooks: by_nobody(self.hooks.apply),
            RoomPins: self._recording(by_nobody(self.pins.apply)),
            RoomName: self._recording(self._apply_rename),
            ServerReports: self._recording(by_nobody(self.abuse_reports.apply)),
            AccountSettings: by_nobody(self._registered(self.settings.apply)),
            AccountMarkers: by_nobody(self._registered(self.markers.apply)),
            AccountRecord: self._apply_record,
            AccountPush: by_nobody(self._while_registered(self.push.apply)),
            AccountRooms: by_nobody(self._registered(self.remembered.apply)),
            AccountWaiting: self._apply_waiting,
            PrivateConversation: by_nobody(self._apply_conversation),
            AccountFiles: by_nobody(self.files.apply),
            CountedEvents: by_nobody(self.windows.apply),
            CountedFailures: by_nobody(self.failures.apply),
            AccountIgnores: by_nobody(self._registered(self.account_store.apply)),
            AccountAge: by_nobody(self.account_store.apply),
            ServerLockdown: self._recording(self._apply_lockdown),
            ServerBanList: self._recording(self._apply_server_bans),
            InvitationCode: by_nobody(self.account_store.apply),
            ModerationLogOf: by_nobody(self.modlog.apply),
            KeptExport: by_nobody(self.user_data.apply_export),
            AccountUploadTokens: by_nobody(
                self._while_registered(self.upload_tokens.apply)
            ),
            AccountSignIns: by_nobody(self.account_store.apply),
            AccountHoldings: by_nobody(self.user_data.apply_erasure),
            NameHolders: by_nobody(self.whowas.apply),
            StoredHistories: by_nobody(self._age_out),
        }

    def _recording(self, apply: Applier) -> Applier:
        """``apply`` of a change that carries its action's moderation log
        entries (:class:`~chatroom.core.changes.RecordEntries`, the core's):
        the change without them, then them, in the log each names. A
        failed premise raises before either; nothing between waits, so
        memory and the store's next batch (one transaction) hold both or
        neither."""

        async def applying(change: DecidedChange, member: Member | None) -> None:
            entries = change.of(RecordEntries)
            if entries:
                own = [op for op in change.ops if not isinstance(op, RecordEntries)]
                change = replace(change, ops=tuple(own))
            await apply(change, member)
            for op in entries:
                self.modlog.record(op.log, op.entries)

        return applying

    def _registered(
        self, apply: Callable[[DecidedChange], Awaitable[None]]
    ) -> Callable[[DecidedChange], Awaitable[None]]:
        """``apply`` of a change of an account's own records, kept only while
        the account is registered: one decided before its deletion and come
        after the erasure keeps nothing (:mod:`chatroom.core.userdata`)."""

        async def applying(change: DecidedChange) -> None:
            subject = change.subject
            assert isinstance(
                subject,
                AccountSettings | AccountMarkers | AccountRooms | AccountIgnores,
            )
            if await self.account_store.get(subject.account) is not None:
                await apply(change)

        return applying

    def _while_registered(
        self, apply: Callable[[DecidedChange], Awaitable[None]]
    ) -> Callable[[DecidedChange], Awaitable[None]]:
        """``apply`` of a change of what is kept for an account, refused
        (nothing applied) if it rests on the account being
        :class:`~chatroom.core.changes.Registered` and it is not."""

        async def applying(change: DecidedChange) -> None:
            await self._check_registered(change)
            await apply(change)

        return applying

    async def _check_registered(self, change: DecidedChange) -> None:
        """:class:`~chatroom.core.changes.PremiseFailedError` if ``change``
        rests on its account being registered and it is not (one process:
        nothing is written between this read and the apply)."""
        premise = change.premise(Registered)
        subject = change.subject
        assert isinstance(subject, AccountPush | AccountUploadTokens | AccountWaiting)
        if (
            premise is not None
            and await self.account_store.get(subject.account) is None
        ):
            raise PremiseFailedError(None, premise)

    async def _apply_server_bans(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """Bans made and lifted (the store checks the premises first), then
        the ends of the sessions the core decided they cover
        (:class:`~chatroom.core.changes.EndSessions`), told why, and each
        network ban made or lifted heard by this process's listeners (one
        process: they are every node's)."""
        await self.account_store.apply(change)
        for end in change.of(EndSessions):
            self._end_sessions(end)
        for op in change.of(AddBan):
            if op.mask.startswith(IP):
                ban = ServerBan(
                    op.mask, BanTerms.decoded(op.terms) if op.terms else UNKNOWN
                )
                for listener in list(self.network_ban_listeners):
                    listener.banned(ban)
        for lift in change.of(LiftBan):
            if lift.mask.startswith(IP):
                for listener in list(self.network_ban_listeners):
                    listener.lifted(lift.mask)

    async def _apply_record(self, change: DecidedChange, member: Member | None) -> None:
        """An account's record written (the store checks the premises
        first), then the sessions the core decided go with it: the one a
        :class:`~chatroom.core.changes.SignOut` names stays, for the core
        to sign out (one process: the name has no other holder), every
        other one an :class:`~chatroom.core.changes.EndSessions` names
        ends, told why."""
        await self.account_store.apply(change)
        staying = frozenset(out.holder for out in change.of(SignOut))
        for end in change.of(EndSessions):
            self._end_sessions(end, staying)

    def _end_sessions(
        self, end: EndSessions, staying: frozenset[str] = frozenset()
    ) -> None:
        """The sessions ``end`` names end, told why: the one holding its name
        and every one signed in to its account, but those holding a name
        key in ``staying``."""
        for victim, session in list(self.sessions.named()):
            if name_key(session.name) in staying:
                continue
            if (end.holder and name_key(session.name) == end.holder) or (
                end.account and session.account == end.account
            ):
                self.reports.session_ended(victim, end.told)

    async def _apply_lockdown(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """The level kept, then heard by this process's listeners (one
        process: they are every node's)."""
        await self.account_store.apply(change)
        for op in change.of(SetLockdown):
            for listener in list(self.lockdown_listeners):
                listener.lockdown_set(Lockdown(op.level, op.by))

    async def _apply_conversation(self, change: DecidedChange) -> None:
        """A conversation's change, refused (nothing applied) if it rests on
        a party's account being
        :class:`~chatroom.core.changes.PartyRegistered` and it is not (one
        process: nothing is written between this read and the apply)."""
        await self._check_parties(change)
        await self.conversations.apply(change)

    async def _check_parties(self, change: DecidedChange) -> None:
        """:class:`~chatroom.core.changes.PremiseFailedError` naming the
        first :class:`~chatroom.core.changes.PartyRegistered` of ``change``
        whose account is not registered."""
        for premise in change.premises:
            if (
                isinstance(premise, PartyRegistered)
                and await self.account_store.get(premise.account) is None
            ):
                raise PremiseFailedError(None, premise)

    async def _apply_waiting(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """A private message kept for an absent account: registered still
        (and its sender's, if it rests on that) and nobody signed in to
        it, as the core read (else refused: the core tells it instead),
        then the conversations' premise and keeping."""
        await self._check_registered(change)
        await self._check_parties(change)
        for premise in change.premises:
            if isinstance(premise, SessionIs):
                found = self._target(premise.user)
                if (found.session if found is not None else "") != premise.session:
                    raise PremiseFailedError(None, premise)
        await self.conversations.apply(change)

    async def _apply_messages(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """A topic, an edit, a redaction, a reaction, a tags-only message, a
        webhook's post or a deleted account's words: the room's and its
        messages' premises checked, nothing acknowledged that the store
        cannot keep, then each operation in order (an :class:`Append`
        numbered with the room's next id, as :meth:`say` numbers a
        message)."""
        appended = change.of(Append)
        where = self.rooms.get(change.room)
        if where is None:
            raise errors.no_such_room(appended[-1].event.room if appended else "")
        outside = all(op.outside for op in appended)
        if member is not None and not outside and member not in where.members:
            raise errors.not_in_room()
        if not self._holds(where, member, change.premises):
            raise PremiseFailedError()
        if not change.of(SetTopic):
            # A topic is the room's state, saved behind any failed batch
            # (kept in order when space returns); a message is refused.
            for said in appended:
                self.outage.check(where, said.event)
        topic = False
        read = {p.event.id: p.event for p in change.premises if isinstance(p, EventIs)}
        for op in change.ops:
            if isinstance(op, Append):
                self._said(where, op)
            elif isinstance(op, SetTopic):
                where.topic, where.topic_by, where.topic_at = op.text, op.by, op.at
                topic = True
            elif isinstance(op, Rewrite):
                self.messages.rewrite(where, op)
            elif isinstance(op, ReplaceEvent):
                self.messages.replace(where, op, read[op.id])
            elif isinstance(op, React):
                self.messages.react(where, op)
            else:
                raise TypeError(f"not an operation on a room's messages: {op!r}")
        if topic:
            self._save(where)
            self._room_changed(where)
        if change.of(React):
            self.messages.reacted(where)

    def _changed_room(self, change: DecidedChange, member: Member | None) -> Room:
        """The room ``change`` is about (``NO_SUCH_ROOM``), once its premises
        hold there (:class:`PremiseFailedError` if not: the core reads it
        again)."""
        where = self.rooms.get(change.room)
        if where is None:
            raise errors.no_such_room(change.room)
        if not self._holds(where, member, change.premises):
            raise PremiseFailedError()
        return where

    def _unplace(self, member: Member, room: Room) -> None:
        """``member`` is no longer in ``room``."""
        places = tuple(kept for kept in self.places[member] if kept is not room)
        if places:
            self.places[member] = places
        else:
            del self.places[member]

    async def _apply_deletion(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """A deletion: shown, then the room dropped (its members go to the
        lobby)."""
        room = self._changed_room(change, None)
        for op in change.of(Emit):
            room.broadcast(op.event)
        if not change.of(Drop):
            return
        members = list(room.members)
        room.members.clear()
        self._remove_room(room)
        self.settings.deleted(room.key)
        listing = (await self.lobby_rooms()).public()
        for gone in members:
            self._unplace(gone, room)
            gone.removed(room.name, listing)

    async def _apply_rename(self, change: DecidedChange, member: Member | None) -> None:
        """A rename: the room as read, its owner as read and its new name
        free, then it and everything kept under its name move to the new
        one in one step (the store's rows in one batch); its members, then
        the lobby's watchers, hear it."""
        (rename,) = change.of(RenameRoom)
        new_key = name_key(rename.name)
        where = self.rooms.get(change.room)
        if where is None:
            raise errors.no_such_room(change.room)
        room_premises = []
        for premise in change.premises:
            if isinstance(premise, OwnerIs):
                holds = where.facts().owner == premise.owner
            elif isinstance(premise, NameFree):
                leads_to = self._leads_to(premise.name)
                holds = premise.name == change.room or (
                    premise.name not in self.rooms
                    and (not leads_to or name_key(leads_to) == change.room)
                )
            else:
                room_premises.append(premise)
                continue
            if not holds:
                raise PremiseFailedError(None, premise)
        if not self._holds(where, None, tuple(room_premises)):
            raise PremiseFailedError()
        old_key, old = where.key, where.name
        del self.rooms[old_key]
        where.renamed(rename.name, self.last_ids.pop(new_key, 0))
        self.rooms[new_key] = where
        if new_key != old_key:  # a room made under the old name goes on
            self.last_ids[old_key] = where.last_id
        self.store.rename_room(old_key, new_key, rename.name, rename.until)
        if new_key != old_key:  # not only its case: what is keyed by it moves
            self.former_names.moved(old_key, rename.name, rename.until)
            for moved in (self.pins, self.modlog, self.markers, self.settings):
                moved.moved(old_key, new_key)
            self.messages.moved(old_key, new_key)
        self.hooks.moved(old_key, rename.name)
        self.remembered.moved(old_key, rename.name)
        for op in change.of(Emit):
            assert isinstance(op.event, RoomRenamed)
            for seated in list(where.members):
                seated.room_renamed(op.event)
            if not where.policy.secret:  # else the lobby never listed it
                self.lobby.renamed(op.event)
        self._listing_changed(old_key, old)
        self._room_changed(where)

    async def _apply_moderation(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """A moderation's or a gift's operations on the room, in order."""
        where = self._changed_room(change, member)
        for kick in change.of(KickMember):  # its departure's premises too
            self._check(where, kick.leave, self.users[kick.user], kick.user)
        for op in change.ops:
            if isinstance(op, SetPolicy):
                if op.policy.secret != where.policy.secret:
                    self._room_changed(where)  # in or out of the lobby
                where.set_policy(op.policy)
                self._save(where)
            elif isinstance(op, SetOwner):
                if op.owner:
                    where.hand_to(op.owner, ())
                else:
                    where.owner, where.absent_owner = None, ""
                self._save(where)
                self._room_changed(where)  # the lobby names its owner
            elif isinstance(op, Emit):
                where.broadcast(op.event)
            elif isinstance(op, KickMember):
                kicked = self.users[op.user]
                self._apply_leave(where, op.leave, kicked, op.user)
                deliver_to(kicked, op.told)
                kicked.removed(where.name, (await self.lobby_rooms()).public())
            elif isinstance(op, TellUser):
                deliver_to(self.users[name_key(op.user)], op.event)
            elif isinstance(op, RecordEntries):
                self.modlog.record(where.key, op.entries)

    def _add_room(self, room: Room) -> None:
        self.rooms[room.key] = room
        self._room_changed(room)

    def _remove_room(self, room: Room) -> None:
        del self.rooms[room.key]
        self.last_ids[room.key] = room.last_id
        self.store.drop_room(room.key)
        self.modlog.forget(room.key)
        self.hooks.forget(room.key)
        self.pins.forget(room.key)
        self._room_changed(room)

    def _target(self, name: str, room: Room | None = None) -> Target | None:
        """The user called ``name``: connected, or (if not) a registered name."""
        member = self.users.get(name_key(name))
        session = self.sessions.get(member) if member is not None else None
        if member is None or session is None:
            account = self.account_store.by_key.get(name_key(name))
            return Target(account.name, account.key) if account else None
        here = room is not None and member in room.members
        return Target(session.name, session.account, session.token, here)

    def _holds(
        self, room: Room, member: Member | None, premises: tuple[Premise, ...]
    ) -> bool:
        """Whether ``premises`` hold on ``room``, checked (never decided): not
        moderated; the room the making and its policy the version read;
        ``member`` quiet or not as read; the
        user a command named connected as read, and in the room or not; a
        message said before, and its reactions, as read."""
        for premise in premises:
            if isinstance(premise, Unmoderated):
                if room.policy.moderated:
                    return False
            elif isinstance(premise, QuietAmong):
                if (member in room.quiet) != bool(premise.users):
                    return False
            elif isinstance(premise, Version):
                if premise.version != str(room.version):
                    return False
            elif isinstance(premise, Present):
                here = {name_key(name) for name in room.members.values()}
                users = premise.users
                if any((user in here) != (user in users) for user in premise.among):
                    return False
            elif isinstance(premise, SessionIs):
                found = self._target(premise.user)
                if (found.session if found is not None else "") != premise.session:
                    return False
            elif isinstance(premise, Incarnation):
                if premise.incarnation != str(room.incarnation):
                    return False
            elif isinstance(premise, Exists):
                if not premise.exists:
                    return False
            elif isinstance(premise, MESSAGE_PREMISES):
                if not self.messages.holds(room, premise):
                    return False
            else:
                raise TypeError(f"not a premise of a room's change: {premise!r}")
        return True

    # -- lobby watchers ---------------------------------------------------------

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        self.lobby.watch(member, watching)
        return defer.succeed(None)  # one process: heard from now on

    def _room_changed(self, room: Room) -> None:
        self._listing_changed(room.key, room.name)

    def _listing_changed(self, key: str, name: str) -> None:
        """Room ``key``'s listing changed (made, joined, left, gone...):
        for the lobby's watchers, and its list."""
        self.lobby.changed(key, name)
        self._relist[key] = None

    async def _lobby_entries(self, changed: dict[str, str]) -> LobbyChanges:
        return self._lobby_list().watched(changed)


def _made_and_shown(
    change: DecidedChange,
) -> tuple[MakeRoom | None, ReplyHistory | None]:
    """A join's or a create's room made, if it makes one, and the history
    window its reply shows, if it says which: one pass over its operations
    (every join has them looked for)."""
    making: MakeRoom | None = None
    shown: ReplyHistory | None = None
    for op in change.ops:
        if type(op) is MakeRoom:
            making = op
        elif type(op) is ReplyHistory:
            shown = op
    return making, shown
