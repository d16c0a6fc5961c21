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

import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.backends.local import applying
from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.bridge import StoredBridge
from chatroom.backends.local.bus import LocalBus
from chatroom.backends.local.files import MemoryUploadTokens, StoredFiles
from chatroom.backends.local.markers import StoredMarkers
from chatroom.backends.local.messages import LocalMessageSteps
from chatroom.backends.local.modlog import StoredModerationLog
from chatroom.backends.local.outage import StoreOutage
from chatroom.backends.local.pins import StoredPins
from chatroom.backends.local.private import StoredConversations
from chatroom.backends.local.push import StoredPush
from chatroom.backends.local.remembered import StoredRooms
from chatroom.backends.local.reports import StoredReports
from chatroom.backends.local.room_store import LocalRooms
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.rows import row_of
from chatroom.backends.local.server_store import LocalServer
from chatroom.backends.local.settings import StoredSettings
from chatroom.backends.local.store import MemoryStore, Store
from chatroom.backends.local.stores import LocalAccounts, LocalModeration
from chatroom.backends.local.transactions import KeptKeys
from chatroom.backends.local.userdata import LocalUserData
from chatroom.core.backend import Reports
from chatroom.core.infra.applying import NOTHING, Applied
from chatroom.core.infra.fanout import deliver_to
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.infra.throttle import MemoryFailures, MemoryWindows
from chatroom.core.model import errors
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    Registered,
)
from chatroom.core.model.changes.base import (
    DecidedChange,
    Premise,
    PremiseFailedError,
    account_of,
    applies,
    by_nobody,
    dispatch,
)
from chatroom.core.model.changes.files import (
    AccountUploadTokens,
)
from chatroom.core.model.changes.messages import (
    AgeOut,
    Announce,
    Append,
    EventIs,
    FewerReactionsThan,
    MessageIs,
    React,
    Reacted,
    ReplaceEvent,
    Rewrite,
    RoomMessages,
    SetTopic,
    StoredHistories,
    SweepLease,
    Unmoderated,
)
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    EndSessions,
    KickMember,
    LiftBan,
    NameRegistered,
    RoomModeration,
    ServerBanList,
    ServerLockdown,
    SessionIs,
    SetLockdown,
    SignOut,
    TellUser,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.names import HeldName, Release
from chatroom.core.model.changes.private import (
    AccountWaiting,
    AppendPrivate,
    PartyRegistered,
    PrivateConversation,
)
from chatroom.core.model.changes.push import AccountPush
from chatroom.core.model.changes.rooms import (
    AddMember,
    ClaimantIs,
    Drop,
    Emit,
    Exists,
    Incarnation,
    MakeRoom,
    NameFree,
    OwnerIs,
    Present,
    QuietAmong,
    RemoveMember,
    RenameRoom,
    ReplyHistory,
    RoomName,
    RoomSeating,
    SeatHeldBy,
    SetOwner,
    SetPolicy,
    Version,
)
from chatroom.core.model.changes.server import (
    DevicesAre,
    MarkGone,
    NameEnding,
    NameHeldBy,
    NameHolding,
    NameSignedTo,
    TakeName,
)
from chatroom.core.model.changes.settings import (
    AccountIgnores,
    AccountMarkers,
    AccountRooms,
    AccountSettings,
)
from chatroom.core.model.changes.transactions import (
    KeyUnused,
    SenderKeys,
    TellSession,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    DepartureKind,
    Message,
    RoomRenamed,
    Sighting,
    Watched,
)
from chatroom.core.model.facts import (
    ClaimFacts,
    EndedUser,
    Ending,
    LeavingFacts,
    SpeakingFacts,
    Target,
    WaitingFacts,
    WelcomeFacts,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.lockdown import Lockdown
from chatroom.core.moderation.netbans import IP, UNKNOWN, BanTerms, ServerBan

#: One subject's step of :meth:`LocalBackend.apply`: the change and the
#: member it is by (None: by nobody connected, or an account's).
Applier = Callable[[DecidedChange, "Member | None"], Awaitable[None]]


#: The premises about a room's stored messages and their reactions
#: (:meth:`LocalMessageSteps.holds`).
MESSAGE_PREMISES = (MessageIs, EventIs, Reacted, FewerReactionsThan)


class LocalBackend:
    """Names, rooms and lobby watchers in one process.

    Names are unique under :func:`chatroom.core.model.text.name_key`: ``users`` maps
    that key to the member (a seat) holding it, shown by its core's
    :class:`~chatroom.core.infra.seats.Session` name; rooms are keyed the same
    way; ``places`` lists the rooms each member is in."""

    log = Logger()

    #: In-process state is always within reach.
    available = True

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        sessions: Sessions,
        store: Store | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sessions = sessions
        #: Where sessions ended here and rooms whose wait is over are told,
        #: once started (:meth:`start`).
        self.reports: Reports | None = None
        self.store: Store = store or MemoryStore(config.retention)
        self.stopping = False
        #: The sweep by age's lease (:class:`SweepLease`): its holder and
        #: until when (this process's clock). One process has one sweeper;
        #: the lease is kept all the same, as a cluster's is.
        self.sweep_lease: tuple[str, float] = ("", 0.0)
        #: The newest event id of rooms that are gone: made again, a room
        #: goes on from there, so an id never means two events.
        self.last_ids: dict[str, int] = {}
        #: The store's (Backend.store_epoch), once :meth:`_restore` read it.
        self.store_epoch = ""
        self._grace: IDelayedCall | None = None
        #: When restored rooms that nobody rejoined are settled (ms; 0: none
        #: restored), once :meth:`start` schedules it.
        self._grace_due = 0.0
        self.store.on_trimmed = self._aged_out
        #: Refuses messages while the store cannot write them.
        self.outage = StoreOutage(self.store)
        self.account_store = StoredAccounts(self.store)
        #: Registrations counted in this process's memory.
        self.account_store.windows = self.windows = MemoryWindows(clock)
        #: Wrong passwords and codes counted in this process's memory.
        self.account_store.failures = self.failures = MemoryFailures(clock)
        #: Who holds which name; the nicks gone; no other node.
        self.server = LocalServer(sessions, self.account_store, self.store)
        #: Name key → the token of its session whose connection is gone and
        #: why (:class:`~chatroom.core.model.changes.server.MarkGone`), until
        #: the name is freed.
        self._gone: dict[str, tuple[str, str]] = {}
        #: The rooms, who is where, the lobby, rooms' former names and hooks.
        self.rooms = LocalRooms(config, clock, self.store, self.server)
        #: Everything told and not kept: this process's fan-out.
        self.bus = LocalBus(self.rooms, self.server)
        self.markers = StoredMarkers(self.store, self.account_store)
        self.remembered = StoredRooms(self.store, self.account_store)
        #: Accounts' settings (chatroom.core.accounts.account_settings).
        self.settings = StoredSettings(self.store, self.account_store)
        self.files = StoredFiles(self.store)
        #: ``/token``'s tokens live in this process's memory.
        self.upload_tokens = MemoryUploadTokens(clock)
        self.push = StoredPush(self.store)
        self.conversations = StoredConversations(
            self.store, self.account_store, config.conversation_retention
        )
        #: Rooms' pinned messages (chatroom.core.messages.pins).
        self.pins = StoredPins(self.store, self._pinned_room)
        #: What was said: edits, redactions and reactions; history; search.
        #: The senders' transaction keys (``/txn``), kept with what they did.
        self.keys = KeptKeys(self.store, clock)
        self.messages = LocalMessageSteps(
            self.store, self.rooms, self.pins, self.conversations, self.keys
        )
        #: The Matrix bridge's ledger (chatroom.core.bridging).
        self.bridge = StoredBridge(self.store, clock, self.rooms)
        self.modlog = StoredModerationLog(self.store, self.rooms.by_key.__contains__)
        #: The server's reports of messages (chatroom.core.messages.abuse_reports).
        self.abuse_reports = StoredReports(self.store)
        self.moderation = LocalModeration(
            self.modlog, self.abuse_reports, self.account_store
        )
        #: /export and /delete-account (chatroom.core.policy.userdata).
        self.user_data = LocalUserData(
            self.store,
            self.rooms.by_key,
            self.account_store,
            self.markers,
            self.remembered,
            self.conversations,
            self.clock,
        )
        self.accounts = LocalAccounts(
            *(self.account_store, self.markers, self.settings, self.remembered),
            *(self.push, self.files, self.upload_tokens, self.user_data),
        )
        #: The step that applies a change, by its subject's kind.
        self._appliers = self._applier_table()
        self._restore()

    def _pinned_room(self, change: DecidedChange) -> Room:
        """The room a change of its pins is about, once its premises hold."""
        return self._changed_room(change, None)

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
            room = self.rooms.by_key.get(record.key)
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
        for room in self.rooms.by_key.values():
            if room.key in permanent:
                self._save(room)
        if restored := sum(room.restored for room in self.rooms.by_key.values()):
            self.log.info("restored {count} rooms", count=restored)
            due = self._ms(self.clock.seconds() + config.grace)
            for room in self.rooms.by_key.values():
                if room.restored or room.absent_owner:
                    room.waits_until = due
            self._grace_due = self.clock.seconds() + config.grace

    @staticmethod
    def _ms(seconds: float) -> int:
        return int(seconds * 1000)

    def _grace_over(self) -> None:
        """Restored rooms waited long enough: reported to the core with
        their facts, which decides what becomes of each
        (:mod:`chatroom.core.rooms.settling`) and hands it back as a change
        (:meth:`apply_succession`)."""
        self._grace = None
        waiting = [
            applying.waiting_facts(room)
            for room in self.rooms.by_key.values()
            if room.restored or room.absent_owner
        ]
        due = self._ms(self.clock.seconds())
        settled = Deferred.fromCoroutine(self._reports.rooms_waited(waiting, due))
        settled.addErrback(
            lambda failure: self.log.failure("restored rooms not settled", failure)
        )

    async def _apply_succession(self, change: DecidedChange) -> None:
        """A restored room's succession, as the core decided it: checked
        on the room as it is, then performed (the room dropped if the
        change says so)."""
        room = self.rooms.by_key.get(change.room)
        premise = applying.failed(room, change, None, "", len(self.rooms.by_key))
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

    @applies(StoredHistories)
    async def _age_out(self, change: DecidedChange) -> None:
        """A sweep by age (:mod:`chatroom.core.messages.retention`): the store's
        trim by age is of every room already, so it is handed the oldest
        time kept as a message's :class:`Append` hands it, and the events
        said before it go with its next trim (:meth:`Store.age_out`). One
        process has one sweeper, yet its
        :class:`~chatroom.core.model.changes.messages.SweepLease` is checked
        and taken as a cluster's is: a change decided by another holder
        while the lease is held is refused (no facts)."""
        now = self.clock.seconds()
        for lease in change.premises:
            if not isinstance(lease, SweepLease):
                raise TypeError(f"no premise {lease!r} of a sweep")
            holder, until = self.sweep_lease
            if holder not in ("", lease.holder) and until > now:
                raise PremiseFailedError(None, lease)
            self.sweep_lease = (lease.holder, now + lease.seconds)
        for ageing in change.of(AgeOut):
            self.store.age_out(ageing.oldest)

    def _aged_out(self, firsts: dict[str, int]) -> None:
        """Events older than ``--retention-age`` left the store: memory and
        resumes follow (a resume from before them now has a ``GAP``)."""
        for key, first in firsts.items():
            if (room := self.rooms.by_key.get(key)) is not None:
                room.forget_before(first)

    def _save(self, room: Room) -> None:
        """Tell the store the room's name, owner and topic."""
        self.store.save_room(room.record())

    # -- life -------------------------------------------------------------------

    def when_available(self) -> Deferred[None]:
        return succeed(None)

    async def caught_up(self) -> None:
        """One process hands out its events as they happen: nothing to wait."""

    def start(self, reports: Reports) -> None:
        """Nothing to connect to: from now on ``reports`` hears what
        happens here of its own accord, and restored rooms that nobody
        rejoins within ``--grace`` of the restore are settled then."""
        self.reports = reports
        self.keys.start()
        if self._grace_due and self._grace is None:
            wait = max(0.0, self._grace_due - self.clock.seconds())
            self._grace = self.clock.callLater(wait, self._grace_over)

    def stop(self) -> None:
        """Shutdown: departures are no longer announced, no more lobby pushes,
        and rooms emptied from now on stay (in the store, for the restart)."""
        self.stopping = True
        self.keys.stop()
        self.rooms.lobby.stop()
        if self._grace is not None and self._grace.active():
            self._grace.cancel()

    def detach(self) -> Deferred[None]:
        """Every session is closed: write what is pending and close the store."""
        return self.store.close()

    # -- names ----------------------------------------------------------------

    def _name(self, member: Member) -> str:
        return self.sessions[member].name

    @applies(NameHolding)
    async def _apply_claim(self, change: DecidedChange, member: Member | None) -> None:
        """A name's claim as the core decided it (:mod:`chatroom.core.
        claims`): its premises checked on the accounts, the server's bans
        and who holds the name here, then the name given (a rename moving
        ``member``'s seats with it), its presence handed to the bus as a
        write right after the claim would hand it (no other node asks here:
        :class:`NoPresence` keeps nothing). One process holds no device of
        an account elsewhere to attach to. A session whose connection is
        gone is marked so (:class:`~chatroom.core.model.changes.server.
        MarkGone`) until its name is freed: the claim's facts say why."""
        assert isinstance(change.subject, NameHolding) and member is not None
        key = change.subject.name
        await self._claim_holds(change)
        (op,) = change.ops
        if isinstance(op, MarkGone):  # read by the next claim's facts
            self._gone[key] = (op.token, op.reason)
            return
        if not isinstance(op, TakeName):
            raise TypeError(f"no claim {op!r} in one process")
        if op.old:
            del self.server.users[op.old]
        else:  # a rename's watchers hear it after its NICK (tell_neighbours)
            self.server.watching.hear(Watched(op.shown, Sighting.ONLINE))
        self.server.users[key] = member
        if op.old:
            self._renamed(member, op.shown, op.old, op.owner_follows)
        if op.presence is not None:
            await self.bus.publish_presence(key, op.token, op.presence)

    def _renamed(
        self, member: Member, name: str, old: str, owner_follows: bool
    ) -> None:
        """A claim's rename of ``member`` (its name's key ``old`` before),
        in its rooms."""
        for room in self.rooms.places.get(member, ()):
            room.rename(member, name)
            if room.owner is member:
                if not owner_follows:  # the former name owns it, absent
                    room.owner, room.absent_owner = None, old
                self._save(room)

    async def _claim_holds(self, change: DecidedChange) -> None:
        """A name's claim's premises, checked on the accounts and the
        server's bans as kept, and on who holds the name here (one process
        ends no session but at once: none is ever under way; nor does a
        device of the account hold it elsewhere):
        :class:`PremiseFailedError` with the claim's facts now if one does
        not hold."""
        assert isinstance(change.subject, NameHolding)
        key = change.subject.name
        holder = self.server.users.get(key)
        held = self.sessions.get(holder) if holder is not None else None
        registered = await self.account_store.get(key) is not None
        masks = [p.mask for p in change.premises if isinstance(p, Banned)]
        banned = await self.account_store.is_server_banned(masks)
        token = held.token if held is not None else ""
        marked, why = self._gone.get(key, ("", ""))
        facts = ClaimFacts(
            registered,
            banned,
            token,
            (held.account or "") if held is not None else "",
            gone=why if token and marked == token else "",
        )
        for premise in change.premises:
            if isinstance(premise, NameRegistered):
                holds = premise.registered == registered
            elif isinstance(premise, Banned):
                holds = premise.banned == await self.account_store.is_server_banned(
                    [premise.mask]
                )
            elif isinstance(premise, NameHeldBy):
                holds = premise.token == facts.holder
            elif isinstance(premise, NameSignedTo):
                holds = premise.account == facts.signed_to
            elif isinstance(premise, NameEnding):
                holds = not premise.ending
            elif isinstance(premise, DevicesAre):
                holds = not premise.tokens  # no device elsewhere here
            else:
                raise TypeError(f"no premise {premise!r} of a name's claim")
            if not holds:
                raise PremiseFailedError(facts, premise)

    def _release(self, member: Member, session: Session, release: Release) -> None:
        """The session's rooms are reported to the core, which decides the
        departures (:mod:`chatroom.core.rooms.departures`) and hands each back
        (:meth:`apply_departures`: all within this call, as nothing here
        waits); at shutdown the seats go with nothing shown (every room
        that exists then is restored as it was). Then the name is free."""
        self.rooms.lobby.watch(member, False)
        rooms = self.rooms.places.get(member, ())
        key = name_key(session.name) if session.name else None
        if self.stopping:
            for room in rooms:
                room.depart(member)
                self.rooms.unplace(member, room)
        elif rooms and key is not None:
            held = ((key, (session.token,)),)  # its seat in each of its rooms
            ending = Ending(
                (EndedUser(key, session.name, session.token),),
                tuple(
                    applying.leaving_facts(room, (key,), member, held) for room in rooms
                ),
                DepartureKind.QUIT,
                release.reason,
                own_words=release.own_words,
            )
            left = Deferred.fromCoroutine(self._reports.sessions_ended(ending))
            left.addErrback(
                lambda failure: self.log.failure("departures not applied", failure)
            )
        if key is not None and self.server.users.get(key) is member:
            del self.server.users[key]
            self._gone.pop(key, None)
            self.server.watching.hear(Watched(session.name, Sighting.OFFLINE))

    async def _apply_departures(self, change: DecidedChange) -> None:
        """Departures of a session's end, as the core decided them: checked
        on the room as it is, then performed (the room dropped if the
        change says so)."""
        room = self.rooms.by_key.get(change.room)
        user = change.about[0] if len(change.about) == 1 else ""
        member = self.server.users.get(user) if user else None
        if room is not None and member not in room.members:
            member = room.member_keyed(user) if user else None
        seats = [p for p in change.premises if isinstance(p, SeatHeldBy)]
        change = replace(
            change, premises=tuple(p for p in change.premises if p not in seats)
        )
        premise = applying.failed(room, change, member, user, len(self.rooms.by_key))
        if premise is None and room is not None:  # judged as the core judges its facts
            users = tuple(p.user for p in seats)
            held = LeavingFacts(room.key, holders=self._holders(room, users, member))
            premise = next(
                (p for p in seats if not held.seat_held_by(p.user, p.session)), None
            )
        if premise is not None:
            now = LeavingFacts(change.room, False)
            if room is not None:
                about = change.about
                now = applying.leaving_facts(
                    room, about, None, self._holders(room, about, member)
                )
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
                self.rooms.unplace(left, room)
        if change.of(Drop):
            self._remove_room(room)
            return
        if room.owner is not owner:
            self._save(room)
        self.rooms.changed(room)

    def _holders(
        self, room: Room, about: tuple[str, ...], member: Member | None
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Of the users ``about`` (name keys) who are in ``room``, the
        session holding each one's seat (one process: a seat is one
        connection's), for a session's end to tell its own seat from one
        a later session of the name took
        (:attr:`~chatroom.core.model.facts.LeavingFacts.holders`);
        ``member``, if known, is one of the seats (found without a walk of
        the room)."""
        held = []
        for user in about:
            seat = applying.member_of(room, user, member)
            session = self.server.sessions.get(seat) if seat is not None else None
            if session is not None:
                held.append((user, (session.token,)))
        return tuple(held)

    # -- rooms ----------------------------------------------------------------

    async def _enter(
        self, member: Member, session: Session, change: DecidedChange
    ) -> WelcomeFacts:
        """The join (or create), checked on the room as it is and applied:
        a refusal changes nothing. Nothing follows a join here before its
        answer (one process: this step does not wait)."""
        key = name_key(session.name)
        room = self.rooms.by_key.get(change.room)
        making, shown = _made_and_shown(change)
        if room is None and making is None:
            raise errors.no_such_room(change.room)
        self._check(room, change, member, key)
        if making is not None:
            room = self._new_room(making.name, False, None)
            room.created_at = making.now or room.created_at
            self._add_room(room)
        assert room is not None
        owner = room.owner
        applying.perform(room, change, member, key)
        self.rooms.places[member] = (*self.rooms.places.get(member, ()), room)
        pins, call = self.pins.count(room.key), self.rooms.room_calls.call_in(room.key)
        view = room.entered_as(member, shown, pins, call)
        if making is not None or room.owner is not owner:
            self._save(room)  # made, or its owner is back
        self.rooms.changed(room)
        self.log.info("{user} joined {room}", user=session.name, room=room.name)
        return view

    def _check(
        self, room: Room | None, change: DecidedChange, member: Member, key: str
    ) -> None:
        """:class:`PremiseFailedError`, with the facts as they are, if a
        premise of ``change`` does not hold."""
        premise = applying.failed(room, change, member, key, len(self.rooms.by_key))
        if premise is None:
            return
        facts: object = None
        if room is not None:
            facts = applying.seating_facts(room, member, key)
        raise PremiseFailedError(facts, premise)

    async def _leave(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        room = self.rooms.by_key.get(change.room)
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
        self.rooms.unplace(member, room)
        if self.stopping:
            return
        if change.of(Drop):
            self._remove_room(room)
        else:
            if room.owner is not owner:
                self._save(room)
            self.rooms.changed(room)

    def _say(self, member: Member, said: Append, change: DecidedChange) -> None:
        """Its premises checked on the room as it is (nothing changes in
        one process between the core's read and this step, but what a wait
        of the core's let in), then numbered with the room's next id. It
        waits for nothing, so it is no coroutine of its own: :meth:`apply`
        is the one a message's write makes."""
        where = self.rooms.by_key.get(name_key(said.event.room))
        if where is None or (member not in where.members and not said.outside):
            raise errors.not_in_room()
        premises = change.premises
        keyed: KeyUnused | None = None
        if type(premises[-1]) is KeyUnused:  # a keyed line's (/txn): its key last
            keyed = premises[-1]
            slot = self.keys.check(keyed)  # else KeyDoneError: nothing applied
            premises = premises[:-1]
        if not self._holds(where, member, premises):
            seated, moderated = member in where.members, where.policy.moderated
            quiet = member in where.quiet
            facts = SpeakingFacts(where.name, seated, quiet, moderated)
            raise PremiseFailedError(facts)
        self.outage.check(where, said.event)  # nothing acknowledged unkept
        if change.ops[0] is not said:  # a quiet member's JOIN first
            where.announced(member, tuple(op.event for op in change.of(Announce)))
        self._said(where, said)
        if keyed is not None:
            self.keys.keep(keyed, said.event, slot)

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

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> Applied:
        """The one write of a decided change, by its subject: its premises
        checked on what it is about, then its operations in order. A
        member's message is its own step (the message path: nothing but
        its premises and its number); a room's seating and a held name are
        applied with the member and session they are by; a join answers
        what its reply is built from."""
        subject = type(change.subject)
        if subject is RoomMessages and member is not None:
            # A message said: an Append of a Message, after a quiet speaker's
            # announcement if any (an edit, a topic, a reaction or a
            # tags-only message appends another kind of event).
            said = change.ops[-1]
            if type(said) is Append and type(said.event) is Message:
                self._say(member, said, change)
                return NOTHING
        if subject is RoomSeating:
            return await self._apply_seating(change, member, session)
        if subject is HeldName:
            return await self._apply_held_name(change, member, session)
        await self._appliers[subject](change, member)
        return NOTHING

    @applies(HeldName)
    async def _apply_held_name(
        self, change: DecidedChange, member: Member | None, session: Session | None
    ) -> Applied:
        """A session's release (a sign-in changes nothing here: the core's
        session says which account)."""
        assert member is not None and session is not None  # a session's
        for op in change.of(Release):
            self._release(member, session, op)
        return NOTHING

    @applies(RoomSeating)
    async def _apply_seating(
        self, change: DecidedChange, member: Member | None, session: Session | None
    ) -> Applied:
        """A change of a room's seating, by what it does: a member's join or
        create (its answer the join's facts) or leave, the departures of
        sessions' ends, a room's succession once its wait is over
        (:class:`~chatroom.core.model.changes.rooms.ClaimantIs`: the one
        change that rests on who claims the room), or a deletion."""
        if change.of(AddMember):
            assert member is not None and session is not None  # a member's
            return Applied(await self._enter(member, session, change))
        if change.of(RemoveMember):
            if member is None:
                await self._apply_departures(change)
            else:
                assert session is not None
                await self._leave(member, session, change)
        elif change.premise(ClaimantIs) is not None:
            await self._apply_succession(change)
        else:
            await self._apply_deletion(change, member)
        return NOTHING

    @applies(SenderKeys)
    async def _apply_sender_keys(self, change: DecidedChange) -> None:
        """A keyed line that stored nothing keeps its key alone (with no
        event's id), unless the key was done already (KeyDoneError); a
        message between plain names is told with it, by the bus, unless
        its recipient's session holds the name no longer (``NO_SUCH_USER``,
        the key not kept). One process: nothing comes between the check,
        the telling and the keeping."""
        keyed = change.premises[-1]
        assert type(keyed) is KeyUnused  # SenderKeys' one premise
        self.keys.check(keyed)
        for told in change.of(TellSession):
            recipient = Target(told.event.recipient, session=told.session)
            await self.bus.tell(recipient, told.event)
        self.keys.keep(keyed, None)

    def _applier_table(self) -> dict[type, Applier]:
        """Which step applies a change of each subject, as each declares it
        (:func:`~chatroom.core.model.changes.base.applies`): the back-end's
        own where a change is more than one store's (a room's seating and
        a held name are applied with the session they are by, by
        :meth:`apply` itself), else its store's: a moderation log's entries
        an action records applied with it (:meth:`_recording`), an
        account's own records kept only while it is registered
        (:meth:`_registered`, :meth:`_while_registered`)."""
        own = (
            self._apply_seating,
            self._apply_held_name,
            self._recording(self._apply_messages),
            self._apply_moderation,
            self._recording(self._apply_rename),
            self._apply_record,
            self._apply_waiting,
            by_nobody(self._apply_conversation),
            by_nobody(self._registered(self._apply_ignores)),
            self._recording(self._apply_lockdown),
            self._recording(self._apply_server_bans),
            self._apply_claim,
            by_nobody(self._age_out),
            by_nobody(self._apply_sender_keys),
        )
        stores = (
            self.rooms.hooks.apply,
            self.rooms.commands.apply,
            self.rooms.room_calls.apply,
            self.bridge.apply,
            self.files.apply,
            self.windows.apply,
            self.failures.apply,
            self.account_store.apply,
            self.modlog.apply,
            self.user_data.apply_export,
            self.user_data.apply_erasure,
            self.server.whowas.apply,
            self.server.streams.apply,
            self._registered(self.settings.apply),
            self._registered(self.markers.apply),
            self._registered(self.remembered.apply),
            self._while_registered(self.push.apply),
            self._while_registered(self.upload_tokens.apply),
        )
        recorded = (
            self._recording(by_nobody(self.pins.apply)),
            self._recording(by_nobody(self.abuse_reports.apply)),
        )
        return dispatch([*own, *(by_nobody(apply) for apply in stores), *recorded])

    def _recording(self, apply: Applier) -> Applier:
        """``apply`` of a change that carries its action's moderation log
        entries (:class:`~chatroom.core.model.changes.modlog.RecordEntries`, the
        core's): the change without them, then them, in the log each names. A
        failed premise raises before either; nothing between waits, so
        memory and the store's next batch (one transaction) hold both or
        neither."""

        @functools.wraps(apply)
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
        after the erasure keeps nothing (:mod:`chatroom.core.policy.userdata`)."""

        @functools.wraps(apply)
        async def applying(change: DecidedChange) -> None:
            subject = change.subject
            own = AccountSettings | AccountMarkers | AccountRooms | AccountIgnores
            assert isinstance(subject, own)
            if await self.account_store.get(subject.account) is not None:
                await apply(change)

        return applying

    def _while_registered(
        self, apply: Callable[[DecidedChange], Awaitable[None]]
    ) -> Callable[[DecidedChange], Awaitable[None]]:
        """``apply`` of a change of what is kept for an account, refused
        (nothing applied) if it rests on the account being
        :class:`~chatroom.core.model.changes.accounts.Registered` and it is not."""

        @functools.wraps(apply)
        async def applying(change: DecidedChange) -> None:
            await self._check_registered(change)
            await apply(change)

        return applying

    async def _check_registered(self, change: DecidedChange) -> None:
        """:class:`~chatroom.core.model.changes.base.PremiseFailedError` if ``change``
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

    @property
    def _reports(self) -> Reports:
        """Where what happens here of its own accord is told: the core's,
        given at :meth:`start` (a back-end is started before it serves)."""
        assert self.reports is not None, "the back-end has not started"
        return self.reports

    @applies(AccountIgnores)
    async def _apply_ignores(self, change: DecidedChange) -> None:
        """An account's ignore list kept, then taken by the account's seats
        (one process: every node's)."""
        await self.account_store.apply(change)
        account = account_of(change, AccountIgnores)
        names = await self.account_store.ignores(account)
        self.sessions.ignoring_changed(account, names)

    @applies(ServerBanList)
    async def _apply_server_bans(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """Bans made and lifted (the store checks the premises first), then
        the ends of the sessions the core decided they cover
        (:class:`~chatroom.core.model.changes.moderation.EndSessions`), told why, and
        each network ban made or lifted heard by this process's listeners (one
        process: they are every node's). A change that rests on a user's
        session still holding its name (a ``/kill``'s
        :class:`~chatroom.core.model.changes.moderation.SessionIs`) is
        refused if it does not."""
        held = [p for p in change.premises if isinstance(p, SessionIs)]
        for premise in held:
            found = self.server.target(premise.user)
            if (found.session if found is not None else "") != premise.session:
                raise PremiseFailedError(None, premise)
        if held:
            kept = tuple(p for p in change.premises if not isinstance(p, SessionIs))
            change = replace(change, premises=kept)
        await self.account_store.apply(change)
        for end in change.of(EndSessions):
            self._end_sessions(end)
        for op in change.of(AddBan):
            if op.mask.startswith(IP):
                ban = ServerBan(
                    op.mask, BanTerms.decoded(op.terms) if op.terms else UNKNOWN
                )
                for listener in list(self.moderation.network_ban_listeners):
                    listener.banned(ban)
        for lift in change.of(LiftBan):
            if lift.mask.startswith(IP):
                for listener in list(self.moderation.network_ban_listeners):
                    listener.lifted(lift.mask)

    @applies(AccountRecord)
    async def _apply_record(self, change: DecidedChange, member: Member | None) -> None:
        """An account's record written (the store checks the premises
        first), then the sessions the core decided go with it: the one a
        :class:`~chatroom.core.model.changes.moderation.SignOut` names stays, for the
        core to sign out (one process: the name has no other holder), every
        other one an :class:`~chatroom.core.model.changes.moderation.EndSessions` names
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
                self._reports.session_ended(victim, end.told)

    @applies(ServerLockdown)
    async def _apply_lockdown(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """The level kept, then heard by this process's listeners (one
        process: they are every node's)."""
        await self.account_store.apply(change)
        for op in change.of(SetLockdown):
            for listener in list(self.moderation.lockdown_listeners):
                listener.lockdown_set(Lockdown(op.level, op.by))

    @applies(PrivateConversation)
    async def _apply_conversation(self, change: DecidedChange) -> None:
        """A conversation's change, refused (nothing applied) if it rests on
        a party's account being
        :class:`~chatroom.core.model.changes.private.PartyRegistered` and it is not (one
        process: nothing is written between this read and the apply)."""
        await self._check_parties(change)
        keyed = change.premise(KeyUnused)
        if keyed is None:
            await self.conversations.apply(change)
            return
        self.keys.check(keyed)  # a keyed line's (/txn): KeyDoneError if done
        await self.conversations.apply(change)  # no wait: nothing between
        (appended,) = change.of(AppendPrivate)
        self.keys.keep(keyed, appended.event)

    async def _check_parties(self, change: DecidedChange) -> None:
        """:class:`~chatroom.core.model.changes.base.PremiseFailedError` naming the
        first :class:`~chatroom.core.model.changes.private.PartyRegistered` of
        ``change``
        whose account is not registered."""
        for premise in change.premises:
            if (
                isinstance(premise, PartyRegistered)
                and await self.account_store.get(premise.account) is None
            ):
                raise PremiseFailedError(None, premise)

    @applies(AccountWaiting)
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
                found = self.server.target(premise.user)
                if (found.session if found is not None else "") != premise.session:
                    raise PremiseFailedError(None, premise)
        await self.conversations.apply(change)

    @applies(RoomMessages)
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
        where = self.rooms.by_key.get(change.room)
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
        keyed = change.premise(KeyUnused)
        if keyed is not None:  # a keyed line's edit or reaction (/txn)
            self.keys.keep(keyed, appended[-1].event if appended else None)
        if topic:
            self._save(where)
            self.rooms.changed(where)
        if change.of(React):
            self.messages.reacted(where)

    def _changed_room(self, change: DecidedChange, member: Member | None) -> Room:
        """The room ``change`` is about (``NO_SUCH_ROOM``), once its premises
        hold there (:class:`PremiseFailedError` if not: the core reads it
        again)."""
        where = self.rooms.by_key.get(change.room)
        if where is None:
            raise errors.no_such_room(change.room)
        if not self._holds(where, member, change.premises):
            raise PremiseFailedError()
        return where

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
        listing = (await self.rooms.lobby_rooms()).public()
        for gone in members:
            self.rooms.unplace(gone, room)
            gone.removed(room.name, listing)

    @applies(RoomName)
    async def _apply_rename(self, change: DecidedChange, member: Member | None) -> None:
        """A rename: the room as read, its owner as read and its new name
        free, then it and everything kept under its name move to the new
        one in one step (the store's rows in one batch); its members, then
        the lobby's watchers, hear it."""
        (rename,) = change.of(RenameRoom)
        new_key = name_key(rename.name)
        where = self.rooms.by_key.get(change.room)
        if where is None:
            raise errors.no_such_room(change.room)
        room_premises = []
        for premise in change.premises:
            if isinstance(premise, OwnerIs):
                holds = where.facts().owner == premise.owner
            elif isinstance(premise, NameFree):
                leads_to = self.rooms.leads_to(premise.name)
                holds = premise.name == change.room or (
                    premise.name not in self.rooms.by_key
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
        del self.rooms.by_key[old_key]
        where.renamed(rename.name, self.last_ids.pop(new_key, 0))
        self.rooms.by_key[new_key] = where
        if new_key != old_key:  # a room made under the old name goes on
            self.last_ids[old_key] = where.last_id
        self.store.rename_room(old_key, new_key, rename.name, rename.until)
        if new_key != old_key:  # not only its case: what is keyed by it moves
            self.rooms.former_names.moved(old_key, rename.name, rename.until)
            for moved in (self.pins, self.modlog, self.markers, self.settings):
                moved.moved(old_key, new_key)
            self.messages.moved(old_key, new_key)
        self.rooms.hooks.moved(old_key, rename.name)
        self.rooms.commands.moved(old_key, new_key)
        self.rooms.room_calls.moved(old_key, new_key, rename.name)
        self.remembered.moved(old_key, rename.name)
        if new_key != old_key:
            self._reports.room_renamed(old_key, new_key)
        for op in change.of(Emit):
            assert isinstance(op.event, RoomRenamed)
            for seated in list(where.members):
                seated.room_renamed(op.event)
            if not where.policy.secret:  # else the lobby never listed it
                self.rooms.lobby.renamed(op.event)
        self.rooms.listing_changed(old_key, old)
        self.rooms.changed(where)

    @applies(RoomModeration)
    async def _apply_moderation(
        self, change: DecidedChange, member: Member | None
    ) -> None:
        """A moderation's or a gift's operations on the room, in order."""
        where = self._changed_room(change, member)
        for kick in change.of(KickMember):  # its departure's premises too
            self._check(where, kick.leave, self.server.users[kick.user], kick.user)
        for op in change.ops:
            if isinstance(op, SetPolicy):
                if op.policy.secret != where.policy.secret:
                    self.rooms.changed(where)  # in or out of the lobby
                where.set_policy(op.policy)
                self._save(where)
            elif isinstance(op, SetOwner):
                if op.owner:
                    where.hand_to(op.owner, ())
                else:
                    where.owner, where.absent_owner = None, ""
                self._save(where)
                self.rooms.changed(where)  # the lobby names its owner
            elif isinstance(op, Emit):
                where.broadcast(op.event)
            elif isinstance(op, KickMember):
                kicked = self.server.users[op.user]
                self._apply_leave(where, op.leave, kicked, op.user)
                deliver_to(kicked, op.told)
                kicked.removed(where.name, (await self.rooms.lobby_rooms()).public())
            elif isinstance(op, TellUser):
                deliver_to(self.server.users[name_key(op.user)], op.event)
            elif isinstance(op, RecordEntries):
                self.modlog.record(where.key, op.entries)

    def _add_room(self, room: Room) -> None:
        self.rooms.by_key[room.key] = room
        self.rooms.changed(room)

    def _remove_room(self, room: Room) -> None:
        del self.rooms.by_key[room.key]
        self.last_ids[room.key] = room.last_id
        self.store.drop_room(room.key)
        self.modlog.forget(room.key)
        self.rooms.hooks.forget(room.key)
        self.rooms.commands.forget(room.key)
        self.pins.forget(room.key)
        self.rooms.changed(room)

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
                found = self.server.target(premise.user)
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
            elif type(premise) is KeyUnused:  # a keyed line's (/txn)
                self.keys.check(premise)  # else KeyDoneError: nothing applied
            else:
                raise TypeError(f"not a premise of a room's change: {premise!r}")
        return True

    # -- lobby watchers ---------------------------------------------------------


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
