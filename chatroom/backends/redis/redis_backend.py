"""The Redis back-end: names and rooms shared by every node of a cluster.

:class:`RedisBackend` implements the steps of
:class:`chatroom.core.backend.Backend` with the shared state in Redis,
changed only through the scripts of :mod:`chatroom.backends.redis.scripts`
(each one atomic: Redis runs one script at a time). The rules are the
core's (:class:`chatroom.core.chat.ChatCore`), decided in Python on facts a
script read; a script that applies a decision checks the facts still hold.
It keeps the per-node parts local: one
:class:`~chatroom.backends.redis.delivery.NodeRoom` per room that has
members here, subscribed to that room's channel only while it has, and the
routing of the node channel's messages to this node's sessions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis import (
    accounts,
    decided,
    dumpfile,
    moderation_scripts,
    node_scripts,
    outcomes,
    scripts,
)
from chatroom.backends.redis.abuse_reports import RedisReports
from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.backends.redis.ageing import HistoryAgeing
from chatroom.backends.redis.calls import MEMBERS_ONLY, published_nothing
from chatroom.backends.redis.census import RedisCensus
from chatroom.backends.redis.copies import MemberCopies
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.departure_queue import DepartureQueue
from chatroom.backends.redis.encoded import (
    decoded_for_sessions,
    stored_events,
)
from chatroom.backends.redis.endings import Endings, telling
from chatroom.backends.redis.entries import RedisEntries
from chatroom.backends.redis.files import RedisFiles, RedisUploadTokens
from chatroom.backends.redis.hooks import RedisHooks
from chatroom.backends.redis.listing import RedisListing
from chatroom.backends.redis.markers import RedisMarkers
from chatroom.backends.redis.messages import RedisMessageSteps
from chatroom.backends.redis.moderation_steps import ModerationSteps
from chatroom.backends.redis.modlog import RedisModerationLog, entries_args
from chatroom.backends.redis.neighbours import RedisNeighbours
from chatroom.backends.redis.node import ClusterNode, new_incarnation
from chatroom.backends.redis.other_nodes import RedisOtherNodes
from chatroom.backends.redis.pins import RedisPins
from chatroom.backends.redis.presence import RedisPresence, claimed_with
from chatroom.backends.redis.private import RedisConversations
from chatroom.backends.redis.push import RedisPush
from chatroom.backends.redis.remembered import RedisRememberedRooms
from chatroom.backends.redis.replicas import ReplicaWait
from chatroom.backends.redis.replies import (
    kept,
    key_of,
    parse_facts,
    parse_roster,
    parse_target,
    say_args,
)
from chatroom.backends.redis.resume_steps import Held, HeldUser
from chatroom.backends.redis.room_renames import RedisRenames
from chatroom.backends.redis.room_steps import RoomSteps
from chatroom.backends.redis.routing import redis_calls
from chatroom.backends.redis.settings import RedisSettings
from chatroom.backends.redis.userdata import RedisUserData
from chatroom.backends.redis.watching import RedisWatching
from chatroom.backends.redis.whowas import RedisWhowas
from chatroom.core import codec, errors
from chatroom.core.backend import (
    DecisionFacts,
    FactsChangedError,
    Reports,
)
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
    Announce,
    Append,
    Banned,
    CountedEvents,
    CountedFailures,
    DecidedChange,
    Drop,
    Emit,
    EndSessions,
    Incarnation,
    InvitationCode,
    KeptExport,
    LiftBan,
    MakeRoom,
    ModerationLogOf,
    Named,
    NameHolders,
    NameRegistered,
    Premise,
    PremiseFailedError,
    PrivateConversation,
    QuietAmong,
    React,
    RecordEntries,
    ReplaceEvent,
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
    SetOwner,
    SetPolicy,
    SetTopic,
    SignOut,
    StoredHistories,
    Version,
    by_nobody,
)
from chatroom.core.config import ClusterConfig, ServerConfig
from chatroom.core.events import (
    DepartureKind,
    Event,
    Listing,
    Message,
    Renamed,
    StoredEvent,
    ToEveryone,
)
from chatroom.core.facts import (
    ClaimFacts,
    CreationFacts,
    SeatingFacts,
    SpeakingFacts,
    Target,
)
from chatroom.core.fanout import deliver_to, fan_out
from chatroom.core.lobby_list import LobbyList
from chatroom.core.lockdown import Lockdown, LockdownNews
from chatroom.core.member import Member
from chatroom.core.metrics import DEPARTURES
from chatroom.core.modlog import SERVER_LOG
from chatroom.core.netbans import IP, BanTerms, NetworkBanNews, ServerBan
from chatroom.core.nodemessages import (
    EndDevice,
    EndSession,
    IgnoresChanged,
    LockdownSet,
    NetworkBanLifted,
    NetworkBanned,
    ShowRoom,
)
from chatroom.core.presence import Presence
from chatroom.core.private import NO_COPY, CopyTo
from chatroom.core.roominfo import Roster
from chatroom.core.seats import Session
from chatroom.core.sessions import Sessions
from chatroom.core.text import name_key
from chatroom.redisclient.link import RedisLink, Written

if TYPE_CHECKING:  # psycopg's: imported where --files-db is given
    from chatroom.backends.redis.files_postgres import PostgresFileBytes

NAME_LOST = "your name was given to someone else while this server was out of touch"
#: Why a session ends when its name is signed in to elsewhere.
SIGNED_IN_ELSEWHERE = "signed in elsewhere"
#: How many times a claim that signs in takes its name over (``TAKEOVER``)
#: before it gives up: another session may claim the name between a
#: takeover and the claim, and is ended in turn.
TAKEOVERS = 3
#: Seconds between looks at a name whose holder's end is under way (its
#: rooms being left, on whichever node had it): a user who reconnects at
#: once, through another node or this one, gets the name once that end
#: frees it, rather than ``NAME_TAKEN`` meanwhile.
ENDING_RECHECK = 0.05
#: How many times a session's release is run while it fails and the node
#: serves (:meth:`RedisBackend._release_failed`).
RELEASE_TRIES = 3


class RedisBackend:
    """A node's view of the cluster's names and rooms."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        cluster: ClusterConfig,
        clock: IReactorTime,
        sessions: Sessions,
        reports: Reports,
        commands: RedisLink,
        subscriber: RedisLink,
        heartbeat: RedisLink,
        on_fatal: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.config = config
        self.cluster = cluster
        self.clock = clock
        self.sessions = sessions
        #: Where sessions ended under this node and rooms whose wait is
        #: over are told.
        self.reports = reports
        self.calls = redis_calls(cluster, commands, subscriber, heartbeat, clock)
        self.node = ClusterNode(cluster, self.calls, clock, self, on_fatal)
        #: ``--redis-replicas``: messages acknowledged once replicated.
        self.replication = (
            ReplicaWait(self.calls, clock, cluster.replicas, cluster.redis_timeout)
            if cluster.replicas
            else None
        )
        self.here = NodeRooms(
            cluster.room_channel,
            self.calls.subscribe,
            self.calls.unsubscribe,
            self.lobby_rooms,
            sessions.by_token,
            lambda room: self.renames.log_after(room),
        )
        self.room_steps = RoomSteps(self.calls)
        #: Sessions' ends: the server's step, the rooms', the server's last.
        self.endings = Endings(self.calls, self.room_steps, reports)
        #: Moderations' outcomes: the server's step, the room's, the server's after.
        self.moderation = ModerationSteps(self.calls)
        self.entries = RedisEntries(
            config,
            self.calls,
            self.node,
            self.here,
            sessions,
            self.room_steps,
            self.endings,
            reports,
        )
        #: Rooms' renames and their former names (:mod:`.room_renames`).
        self.renames = RedisRenames(self.calls, clock, self.here, self.entries)
        self.stopping = False
        self.account_store = RedisAccounts(self.calls)
        #: Who hears a network ban made on any node: the doors' server,
        #: which ends the connections it covers.
        self.network_ban_listeners: list[NetworkBanNews] = []
        self.lockdown_listeners: list[LockdownNews] = []
        self.markers = RedisMarkers(self.calls)
        #: Accounts' settings (chatroom.core.account_settings).
        self.settings = RedisSettings(self.calls)
        #: Rooms' pinned messages (chatroom.core.pins).
        self.pins = RedisPins(self.calls)
        #: The server's reports of messages (chatroom.core.abuse_reports).
        self.abuse_reports = RedisReports(self.calls)
        self.remembered = RedisRememberedRooms(self.calls)
        self.files = RedisFiles(self.calls)
        self.upload_tokens = RedisUploadTokens(self.calls, clock)
        #: Uploaded files' bytes, for every node (``--files-db``); None: no uploads.
        self.file_bytes: PostgresFileBytes | None = None
        if cluster.files_db:  # psycopg (libpq): loaded with --files-db alone
            from chatroom.backends.redis.files_postgres import PostgresFileBytes

            self.file_bytes = PostgresFileBytes(cluster.files_db, clock)
        self.push = RedisPush(self.calls)
        self.other_nodes = RedisOtherNodes(self.calls, self.entries)
        self.presence = RedisPresence(self.calls)
        #: Sessions' releases and nicks kept for WHOWAS, a few at a time
        #: when a crowd leaves at once.
        self.departures = DepartureQueue()
        #: Sessions lost this turn, to be marked gone (:meth:`connection_gone`).
        self._gone: list[tuple[str, str, str]] = []
        self.whowas = RedisWhowas(self.calls, self.departures)
        #: Names coming and going, for every node's watchers (MONITOR).
        self.watching = RedisWatching(self.calls, cluster.prefix)
        #: News of a user to its rooms: the server's step, then each room's.
        self.neighbours = RedisNeighbours(self.calls, self.watching)
        #: This node's counts of its connections, for LUSERS of the cluster.
        self.census = RedisCensus(self.calls, cluster.node_id, clock)
        self.conversations = RedisConversations(
            self.calls, config.conversation_retention
        )
        #: Edits, redactions and reactions; typing notices; /modlog; /search.
        searcher = None
        if cluster.search_db is not None:  # psycopg: loaded with --search-db alone
            from chatroom.backends.redis.search import ClusterSearch

            searcher = ClusterSearch(cluster.search_db, self.calls, clock, config)
            # the rooms this node hears, indexed in the background
            self.here.heard = searcher.heard
        self.messages = RedisMessageSteps(self.calls, self.here, config, searcher)
        self.modlog = RedisModerationLog(self.calls)
        self.hooks = RedisHooks(self.calls)
        #: The rooms' copies of a member, refreshed a room a step.
        self.copies = MemberCopies(self.calls)
        #: Every room's history trimmed by age (chatroom.core.retention).
        self.ageing = HistoryAgeing(self.calls)
        #: /export and /delete-account (chatroom.core.userdata).
        self.user_data = RedisUserData(self.calls, self.markers, self.remembered, clock)
        self._claiming: dict[Member, str] = {}  # name keys being claimed
        #: The steps that apply a change, by its subject's kind; a member's
        #: change of a room's messages, by the operation that leads it.
        self._appliers = self._applier_table()
        self._message_appliers: dict[type, MessageApplier] = {
            SetTopic: self._topic,
            Rewrite: self.messages.amend,
            React: self.messages.react,
        }
        prefix = cluster.prefix
        self._node_channel = f"{prefix}node:{cluster.node_id}".encode()
        #: The room list as this node keeps it, and the lobby's watchers.
        self.listing = RedisListing(
            self.calls,
            prefix,
            clock,
            config.lobby_interval,
            lambda: self.node.available,
            LobbyList(config.rooms, config.lobby_rooms),
        )
        self.here.elsewhere = self._on_message
        self.calls.listen(self.here.on_message)

    # -- for operators and tests ------------------------------------------------

    @property
    def commands(self) -> RedisLink:
        return self.calls.commands

    @property
    def subscriber(self) -> RedisLink:
        return self.calls.subscriber

    @property
    def heartbeat(self) -> RedisLink:
        return self.calls.heartbeat

    @property
    def available(self) -> bool:
        return self.node.available

    @property
    def store_epoch(self) -> str:
        return self.node.epoch

    def when_available(self) -> Deferred[None]:
        return self.node.when_available()

    async def caught_up(self) -> None:
        """Once the subscriber link delivered what Redis published so far."""
        await self.calls.caught_up.wait()

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        self.node.start()
        self.messages.start()
        # Accounts and bans stored before keys had skeletons (a no-op after).
        rekeyed = self.node.when_available().addCallback(
            lambda _: defer.ensureDeferred(self.account_store.rekey())
        )
        # Redis lost meanwhile: the next node to start finishes the job.
        rekeyed.addErrback(
            lambda failure: self.log.warn(
                "re-keying accounts stopped: {error}", error=failure.getErrorMessage()
            )
        )

    def stop(self) -> None:
        self.stopping = True
        self.listing.stop()

    def detach(self) -> Deferred[None]:
        detaching = self.node.detach().addCallback(lambda _: self.messages.close())
        detaching.addBoth(self._close_file_bytes)
        return detaching.addBoth(self.calls.deadlines.stop)  # no more scripts

    def _close_file_bytes(self, result: object) -> object:
        """The files' database connection closed after the rest (``result``
        passed on, whatever the closing gives)."""
        if self.file_bytes is None:
            return result
        return self.file_bytes.close().addBoth(lambda _: result)

    # -- what the node holds (chatroom.backends.redis.node.Holdings) -------------

    def channels(self) -> list[bytes]:
        wanted = [self._node_channel, *self.listing.channels()]
        wanted.extend(self.watching.channels())
        wanted.extend(self.here.channels())
        return wanted

    def held(self) -> Held:
        users = [
            HeldUser(
                key_of(session),
                session.token,
                session.name,
                session.account,
                [room.key for room in self.here.rooms_here(member)],
            )
            for member, session in self.sessions.named()
        ]
        rooms = self.here.held_rooms(
            self.config.rooms, self.config.room_capacity, self.clock.seconds()
        )
        return Held(users, rooms)

    def resumed(self, failed: list[bytes], rooms: list[list[Any]]) -> None:
        for entry in failed:  # "token" (name lost) or "token reason" (ended)
            token, _, reason = entry.decode().partition(" ")
            member = self.sessions.by_token(token)
            if member is not None:
                member.disconnect(reason or NAME_LOST)
        self.here.resumed(rooms)
        self.census.republish()
        self._missed_news()  # orders published while away are lost

    async def harvest(self, node: str, own: bool, waits_until: int) -> bool:
        """The node's sessions ended a chunk at a time (``HARVEST``, at
        most :data:`~.node_scripts.HARVEST_CHUNK` a call, read from the
        node's index of its sessions), each chunk's ends run to their last
        step (:mod:`.endings`: their departures decided here, on the
        seatings of their rooms, which wait till ``waits_until`` if they
        empty) before the next is taken; then ``HARVESTED``. Between
        chunks, Redis serves every other node's calls. Returns whether the
        node was forgotten: not if it came back, another node harvests it
        (it holds the lease: ``P harvesting:n``), or sessions are left in
        its index (taken by the next harvest). With rooms apart, another
        node's harvest first finishes the renames of rooms left pending
        (the dead node's, most likely), so that its users' rooms are where
        the harvest ends their seats."""
        if self.calls.rooms_apart and not own:
            await self.renames.finish_pending()
        if own:  # its counts' writes go on another link than HARVESTED
            await self.census.written()
        reason = f"server {node} shut down" if own else f"server {node} went away"
        lease = int(self.cluster.node_ttl * 1000)
        while True:
            reply = await self.endings.end(
                node_scripts.HARVEST,
                node,
                "1" if own else "",
                node_scripts.HARVEST_CHUNK,
                self.cluster.node_id,
                lease,
                kind=DepartureKind.HARVEST,
                reason=reason,
                refusals={},
                waits_until=waits_until,
                always=own,
            )
            if not int(reply[3]):
                return False
            if int(reply[4]) < node_scripts.HARVEST_CHUNK:
                break  # that was the index's last chunk
        forgotten = await self.calls.eval(node_scripts.HARVESTED, node, always=own)
        return bool(int(forgotten))

    async def settle(self, rooms: list[str], due: int) -> None:
        """The rooms named waiting for their members, their wait over at
        ``due`` (ms), or (0: after a resume) found empty or ownerless: read
        and reported to the core, which decides each one's succession
        (:mod:`chatroom.core.settling`) and hands it back as a change
        (:meth:`apply_succession`)."""
        seen = outcomes.seated_all(await self.seatings(rooms))
        if due:
            waiting_no_more = [
                room.key
                for room in seen.values()
                if not room.exists or not room.waits_until
            ]
            if waiting_no_more:
                await self.calls.eval(node_scripts.UNKEEP, due, *waiting_no_more)
        waiting = [decided.waiting_of(room) for room in seen.values()]
        await self.reports.rooms_waited(waiting, due)

    async def apply_departures(self, change: DecidedChange) -> None:
        await self.endings.apply(change)

    async def apply_succession(self, change: DecidedChange) -> None:
        """``APPLY``'s room step of a room's succession (its premises
        checked there), then the server's step after it (``INDEX_LAST``:
        the room no longer waits, or is gone)."""
        encoded = decided.encoded(change)
        try:
            await self.calls.call(
                scripts.APPLY,
                change.room,
                outcomes.encoded_change(encoded),
                b"{}",
                refusals={},
            )
        except FactsChangedError as changed:
            seating = (outcomes.brought(changed) or {}).get(change.room)
            now = None if seating is None else decided.waiting_of(seating)
            raise PremiseFailedError(now) from changed
        await self.room_steps.index_last([encoded])

    async def seatings(self, entries: list[str]) -> list[Any]:
        """The seatings ``SEATINGS`` reads of each ``r u...`` of ``entries``
        (a room's key, the users a decision is about), one room a call: each
        reads its room's slot alone."""
        read = []
        for entry in entries:
            read += await self.calls.eval(scripts.SEATINGS, *entry.split())
        return read

    async def tidy(
        self, stale: list[bytes], places: list[bytes], rooms: list[bytes]
    ) -> None:
        """What a resume found this node no longer has: its sessions gone
        while it was away are released (a harvest's chunk at a time, so
        that no script grows with them), its users' places it no longer has
        are left, and the rooms it named are settled; with rooms apart,
        renames a node began and did not finish are finished first (a
        place in the new room of one this node had the old room of is
        not stale: its member moves there on ``RENAMED``)."""
        if self.calls.rooms_apart:
            moving = await self.renames.finish_pending()
            places = [p for p in places if p.decode().partition(" ")[0] not in moving]
        reason = "connection lost"
        pairs = [
            (stale[i].decode(), stale[i + 1].decode()) for i in range(0, len(stale), 2)
        ]
        chunk = node_scripts.HARVEST_CHUNK  # a chunk's ends at a time, as a harvest
        for start in range(0, len(pairs), chunk):
            await self._release(pairs[start : start + chunk], reason, {})
        if places:
            await self._leave_places([entry.decode() for entry in places], reason)
        if rooms:
            await self.settle([key.decode() for key in rooms], 0)

    async def _leave_places(self, places: list[str], reason: str) -> None:
        """This node's users leave the rooms Redis had them in and it has not
        (``r u`` each): reported to the core with those rooms' seatings,
        which decides the departures (:meth:`.Endings.departed`)."""
        names = {key_of(session): session.name for _, session in self.sessions.named()}
        about: dict[str, list[str]] = {}
        for entry in places:
            key, _, u = entry.partition(" ")
            about.setdefault(key, []).append(u)
        read = await self.seatings([" ".join([key, *us]) for key, us in about.items()])
        leavers = {u: names.get(u, u) for us in about.values() for u in us}
        quit = DepartureKind.QUIT
        seen = outcomes.seated_all(read)
        applied = await self.endings.departed(leavers, about, seen, quit, reason)
        await self.room_steps.index_last(applied)

    def lost(self) -> None:
        self.listing.lost()
        self.watching.lost()
        self.here.hold()
        self._missed_news()

    def _missed_news(self) -> None:
        """The copies of the network bans and of the lockdown level are
        read again: orders published while the subscriber link was down
        never came."""
        for bans in list(self.network_ban_listeners):
            bans.missed()
        for level in list(self.lockdown_listeners):
            level.missed()

    # -- names --------------------------------------------------------------------

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
        """``CLAIM`` on the server's keys, then each room's copy of the
        member (:class:`~chatroom.backends.redis.copies.MemberCopies`).
        ``CLAIM`` checks the claim's premises (the name nobody's account,
        its masks not banned) before it takes the name: one round trip for
        the claim's facts and the claim; ``CHANGED`` brings the facts as
        they are (:func:`_claim_refused`). It
        ends a session holding the name (on any node) first if
        ``takeover`` (``TAKEOVER``, then the claim again), or on a sign-in
        adds this one as a holder of it. What ``CLAIM`` publishes is a
        first name's sighting on the watch channel: the call waits for the
        subscriber link to bring it only while this node hears that
        channel (its ``MONITOR`` watchers are told before the sign-in
        goes on); else nothing it published comes here, and no ``PING``
        asks."""
        key = name_key(name)
        old = key_of(session) if session.name else ""
        args = [key, session.token, name, old, account, "1" if takeover else "0"]
        args.append("1" if takeover and not session.name else "0")
        args.append("1" if owner_follows else "0")
        args += claimed_with(presence)
        args += _claim_premises(premises)
        taken = {b"TAKEN": lambda r: errors.name_taken(name)}
        self._claiming[member] = key
        try:
            self.departures.hasten(self.endings.under_way(key))
            await self.endings.released(key)
            ending_until = self.clock.seconds() + self.cluster.redis_timeout
            takeovers = 0
            while True:
                try:
                    reply = await self.calls.call(
                        scripts.CLAIM, *args, refusals=taken, arrived=self._sighted
                    )
                except FactsChangedError as changed:
                    raise _claim_refused(changed) from changed
                if reply[0] == b"ENDING":
                    if self.clock.seconds() >= ending_until:
                        raise errors.name_taken(name)  # an end that never ends
                    await deferLater(self.clock, ENDING_RECHECK, lambda: None)
                    continue
                if reply[0] not in (b"HELD", b"LOST"):
                    break
                if takeovers == TAKEOVERS:
                    raise errors.name_taken(name)  # taken again after each takeover
                takeovers += 1
                # A holder signed in elsewhere is told so; one whose
                # connection is gone (the core's rule: its name is free)
                # is told nothing, its rooms hearing why it went.
                lost = reply[0] == b"LOST"
                reason = reply[1].decode() if lost else SIGNED_IN_ELSEWHERE
                await self.endings.end(
                    scripts.TAKEOVER,
                    key,
                    session.token,
                    old,
                    *telling("" if lost else reason),
                    kind=DepartureKind.QUIT,
                    reason=reason,
                    refusals={},
                )
            if len(reply) > 1:  # IN_ROOM, ATTACHED: its rooms' copies
                await self.copies.refresh(key, *reply[1:])
        finally:
            self._claiming.pop(member, None)
        return bool(reply[0] == b"IN_ROOM")

    def _sighted(self, reply: Any) -> Deferred[None] | None:
        """For a ``CLAIM``'s ``arrived``: None (the ``PING``) while this
        node hears the watch channel, where its sighting goes; else nothing
        to wait for."""
        return None if self.watching.subscribed else published_nothing(reply)

    async def sign(self, member: Member, session: Session, account: str) -> None:
        """For other nodes' bans, invitations, kept rooms (``P signed``)."""
        u = key_of(session)
        reply = await self.calls.call(
            scripts.SIGN, u, session.token, account, refusals={}
        )
        await self.copies.refresh(u, *reply[1:])

    def connection_gone(self, member: Member, session: Session, reason: str) -> None:
        """Marked gone in Redis (``GONE``, the sessions lost in one turn in
        one call), so that a claim of its name on another node ends it at
        once rather than wait for this node's release, or be refused."""
        if not session.name or self.stopping or not self.node.available:
            return
        self._gone.append((key_of(session), session.token, reason))
        if len(self._gone) == 1:
            self.clock.callLater(0, self._mark_gone)

    def _mark_gone(self) -> None:
        """The sessions lost since the last call, marked in one ``GONE``;
        a failure is nothing lost (their releases come all the same)."""
        gone, self._gone = self._gone, []
        marking = Deferred.fromCoroutine(
            self.calls.call(scripts.GONE, *(a for g in gone for a in g), refusals={})
        )
        marking.addErrback(self._not_marked)

    def _not_marked(self, failure: Failure) -> None:
        if not failure.check(errors.ChatError):  # UNAVAILABLE: said elsewhere
            self.log.failure("marking lost sessions gone", failure)

    def release(
        self, member: Member, session: Session, reason: str, own_words: bool = False
    ) -> None:
        """Free a departing member's places and name in the cluster. Not
        awaited: nobody is waiting for the answer. If Redis is down, the
        next resume releases whatever this node no longer holds."""
        self.watch_lobby(member, False)
        named = key_of(session) if session.name else ""
        known = {
            room.key: room.seating_of(member, named)
            for room in self.here.rooms_here(member)
        }
        self.here.release(member)
        self.calls.released_here.add(session.token)
        if self.stopping or not self.node.available:
            return
        for key in {named, self._claiming.get(member)}:
            if key:
                self._queue_release(key, session.token, reason, known, own_words)

    def _queue_release(
        self,
        key: str,
        token: str,
        reason: str,
        known: dict[str, outcomes.RedisSeating],
        own_words: bool,
        tries: int = RELEASE_TRIES,
    ) -> None:
        """Session ``token``'s release of name ``key`` in the departures'
        queue (a claim of the name here waits for it), run at most
        ``tries`` times while it fails."""
        releasing = self.departures.run(
            partial(self._release, [(key, token)], reason, known, own_words)
        )
        releasing.addErrback(self._release_failed, key, token, reason, own_words, tries)
        self.endings.releasing(key, releasing)

    def _release_failed(
        self,
        failure: Failure,
        key: str,
        token: str,
        reason: str,
        own_words: bool,
        tries: int,
    ) -> None:
        """A release cut short leaves its user marked ending, its name
        taken. While the node serves, it is run again at the back of the
        queue, from its first step (which carries the mark on), its
        seatings read from Redis: a room whose facts kept changing under
        its departure (a crowd leaving it at once, its ownership passing
        from one leaver to the next) has settled by then. A node that lost
        Redis (``UNAVAILABLE``) leaves it to its resume, which releases
        what the node no longer holds. A fault is logged."""
        if not failure.check(errors.ChatError):
            self.log.failure("releasing a session", failure)
        if self.stopping or not self.node.available:
            return
        if tries > 1:
            DEPARTURES.retried += 1
            self._queue_release(key, token, reason, {}, own_words, tries - 1)
            return
        self.log.warn(
            "the release of {name} failed {tries} times: it stays taken until "
            "this node next resumes",
            name=key,
            tries=RELEASE_TRIES,
        )

    async def _release(
        self,
        sessions: list[tuple[str, str]],
        reason: str,
        known: dict[str, outcomes.RedisSeating],
        own_words: bool = False,
    ) -> None:
        """``RELEASE``'s ends of the sessions (name key, token) gone
        (:mod:`.endings`), their departures decided on the seatings this
        node has (``known``) and Redis's of the rest."""
        pairs = [part for pair in sessions for part in pair]
        await self.endings.end(
            scripts.RELEASE,
            *pairs,
            kind=DepartureKind.QUIT,
            reason=reason,
            refusals={},
            known=known,
            own_words=own_words,
        )

    async def find_user(self, name: str) -> Target | None:
        return await self._target(name_key(name))

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """A private message (or an invitation) to its recipient's node, and
        the sender's copy to its account's sessions on other nodes."""
        await self.calls.call(
            scripts.TELL,
            target.key,
            target.session,
            codec.encode(event),
            copy.account,
            copy.token,
            refusals={b"NO_SUCH_USER": lambda r: errors.no_such_user(target.name)},
        )

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        """Published in each of the user's rooms, in order with their
        events, under one news number, so that each node hands it to each of
        its members once (:mod:`.neighbours`)."""
        unless = "" if including_self else key_of(session)
        renamed = None  # a rename's watchers hear it after its rooms
        if isinstance(event, Renamed) and name_key(event.old) != name_key(event.new):
            renamed = (event.old, event.new)
        rooms = await self.neighbours.tell(
            key_of(session), session.token, event, unless, renamed
        )
        if not rooms and including_self:  # in no room: told directly
            deliver_to(member, event)

    async def tell_everyone(self, event: ToEveryone) -> None:
        await self.calls.eval(moderation_scripts.ANNOUNCE, codec.encode(event))

    async def end_user(
        self, name: str, reason: str, logged: RecordEntries | None = None
    ) -> str:
        """``KILL``'s end of the session holding ``name`` (:mod:`.endings`),
        the entries ``logged`` recorded in the server's log in the same
        step."""
        reply = await self.endings.end(
            moderation_scripts.KILL,
            name_key(name),
            *telling(reason),
            *entries_args([logged] if logged else [], SERVER_LOG),
            kind=DepartureKind.QUIT,
            reason=reason,
            refusals={b"NO_SUCH_USER": lambda r: errors.no_such_user(name)},
        )
        shown: str = reply[3].decode()
        return shown

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        """``news`` hears the orders of bans made and lifted on every node's
        channel (this one's too), and that it may have missed some when
        the subscriber link drops, and again once it is back."""
        self.network_ban_listeners.append(news)

    def follow_lockdown(self, news: LockdownNews) -> None:
        """``news`` hears the orders of the level set on every node's channel
        (this one's too), and that it may have missed some, as the bans'."""
        self.lockdown_listeners.append(news)

    async def ignoring_changed(self, account: str, names: frozenset[str]) -> None:
        """Every node's seats of the account take the list (this one's too,
        from its channel, as every node's)."""
        order = IgnoresChanged(account, tuple(sorted(names)))
        await self.calls.eval(moderation_scripts.ANNOUNCE, codec.encode(order))

    async def end_account_sessions(
        self, account: str, reason: str, logged: RecordEntries | None = None
    ) -> None:
        """The sessions Redis holds signed in to the account end as a ban's
        do (:class:`~chatroom.core.changes.EndSessions`, by the bans' script
        with no ban: :mod:`.endings`, on every node), ``logged`` recorded
        in the server's log in the same step."""
        await self.endings.end(
            accounts.APPLY_BANS,
            *telling(reason),
            0,
            "end",
            "",
            account,
            "record",
            *entries_args([logged] if logged else [], SERVER_LOG),
            kind=DepartureKind.QUIT,
            reason=reason,
            refusals={},
        )

    async def backup(self, path: str) -> None:
        """Every key of the chat (under the cluster's prefix, and with rooms
        apart every room's, on every primary), as Redis dumps it, streamed
        into the file at ``path`` (:mod:`~chatroom.backends.redis.dumpfile`)."""
        calls = self.calls
        matches = dumpfile.patterns(calls.prefix, calls.rooms_apart)
        with open(path, "wb") as file:
            await dumpfile.export(calls.scanners(), calls.keyed, matches, file)

    def _on_message(self, channel: bytes, message: bytes) -> None:
        """One message from a subscribed channel that is no room's (a
        room's goes to its room: :meth:`NodeRooms.on_message`)."""
        if channel == self._node_channel:
            self._for_sessions(message)
        elif channel == self.listing.channel:
            self.listing.heard(message)
        elif channel == self.watching.channel:
            self.watching.on_message(message)

    def _viewed(self, member: Member, key: str) -> None:
        """Another node's device of the account entered room ``key``: the
        seat here enters it too, and the core is told once it is shown."""
        session = self.sessions.get(member)
        if session is None:
            return
        viewing = defer.ensureDeferred(self.entries.view(member, session, key))
        viewing.addCallback(lambda _: self.reports.room_shown(member, key))
        viewing.addErrback(lambda failure: None)  # left meanwhile, or gone

    def _for_sessions(self, message: bytes) -> None:
        """A message for this node's sessions: ``conn`` or ``*``, then an
        event or an order (:mod:`chatroom.core.nodemessages`)."""
        number, _, data = message.partition(b" ")
        said = decoded_for_sessions(data)
        if number == b"*":
            if isinstance(said, Event):
                fan_out(self.sessions.addressed(said), said)
            elif isinstance(said, IgnoresChanged):
                self.sessions.ignoring_changed(said.account, frozenset(said.names))
            elif isinstance(said, NetworkBanned):
                ban = ServerBan(said.mask, BanTerms.decoded(said.terms))
                for listener in list(self.network_ban_listeners):
                    listener.banned(ban)
            elif isinstance(said, NetworkBanLifted):
                for listener in list(self.network_ban_listeners):
                    listener.lifted(said.mask)
            elif isinstance(said, LockdownSet):
                for heard in list(self.lockdown_listeners):
                    heard.lockdown_set(Lockdown(said.level, said.by))
            return
        member = self.sessions.by_token(f"{self.cluster.node_id}:{number.decode()}")
        if member is None or said is None:
            return
        if isinstance(said, EndSession):
            self.reports.session_ended(member, said.reason)  # Redis released it
        elif isinstance(said, ShowRoom):  # another node's device entered it
            self._viewed(member, said.room)
        elif isinstance(said, EndDevice):  # /logout of a device of ours
            self.reports.device_logged_out(member, said.number, said.reason)
        elif isinstance(said, Event):
            deliver_to(member, said)

    # -- rooms --------------------------------------------------------------------

    def joined_room(self, member: Member, room: str) -> str:
        return self.here.joined_room(member, room).name

    def rooms_of(self, member: Member) -> list[str]:
        return [room.name for room in self.here.rooms_here(member)]

    async def list_rooms(self) -> Listing:
        return await self.listing.every_room()

    async def count_rooms(self) -> int:
        return await self.listing.count()

    async def lobby_rooms(self) -> Listing:
        return await self.listing.lobby()  # one read for a storm's sign-ins

    async def names_online(self) -> list[str]:
        """``HVALS`` of ``P users`` (``"token display"`` each)."""
        held = await self.calls.command("HVALS", self.cluster.prefix + "users")
        return [value.decode().partition(" ")[2] for value in held]

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        session = self.sessions.get(member)
        if session is None:
            raise errors.not_in_room()  # gone meanwhile
        return await self.entries.seating_facts(member, session, room, latest)

    async def creation_facts(self, name: str) -> CreationFacts:
        """What a refusal brought last, else the name as a former name."""
        facts = self.entries.creation_facts(name)
        if facts.renamed_to or facts.existing:
            return facts
        return replace(facts, renamed_to=await self.renames.former_name(name))

    async def enter(
        self,
        member: Member,
        session: Session,
        change: DecidedChange,
        moving: DecidedChange | None,
        since: int | None,
    ) -> DecidedChange | None:
        """A create (``ENTERING``, ``CREATE``) or a join (``ENTERING``,
        ``JOIN``), then the departure from the room left, its own step."""
        key, u = change.room, key_of(session)
        making = change.of(MakeRoom)
        if making:
            name = making[0].name
            args = [key, name, u, self.config.room_capacity]
            args += [new_incarnation(), making[0].now]
            script = scripts.CREATE
        else:
            named = change.premise(Named)
            name = named.name if named is not None else key
            args, script = [key, u], scripts.JOIN
        return await self.entries.enter(
            member, session, key, name, since, script, args, change, moving
        )

    async def leave(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        await self.entries.leave(member, session, change)

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        where = self.here.rooms.get(name_key(room))
        if where is None or not self.here.is_in(member, where):
            return SpeakingFacts(room, False)
        if where.quiet and member in where.quiet:
            return SpeakingFacts(where.name, True, True, where.moderated)
        if where.speaking is None:  # one value while nothing refutes it
            where.speaking = SpeakingFacts(where.name, True, False, where.moderated)
        return where.speaking

    async def say(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        """One ``SAY`` script: it checks the change's premises, then
        numbers, publishes and keeps the message; a premise that failed
        answers what holds now (kept on the node's room for its next
        message)."""
        said = change.ops[-1]
        assert isinstance(said, Append) and isinstance(said.event, Message)
        event = said.event
        where = None if said.outside else self.here.joined_room(member, event.room)
        key = name_key(event.room) if where is None else where.key
        first = change.ops[0]
        shown = codec.encode(first.event) if isinstance(first, Announce) else b""
        incarnation, version, quiet = _say_premises(change.premises)
        if quiet != bool(shown):  # SAY's premise is what it shows first
            raise ValueError(f"a quiet speaker is announced, and only one: {change}")
        # Where the message was written: its WAIT goes on that connection.
        written = None if self.replication is None else Written()
        if self.replication is not None and where is not None:
            # The sender's own copy is its acknowledgement: kept back until
            # the replicas have the message, and never shown if they do not.
            where.withhold(member)
        refused: Message | None = None
        try:
            try:
                reply = await self.calls.call(
                    scripts.SAY,
                    *say_args(key, session, event, self.config, said.oldest),
                    shown,
                    incarnation,
                    version,
                    "1" if said.outside else "",
                    refusals=MEMBERS_ONLY,
                    arrived=None if where is None else partial(_arrived, where),
                    written=written,
                )
            except FactsChangedError as changed:
                raise _speaking_now(event.room, where, member, changed) from None
            if where is not None:
                where.unhush(member)
            event.id = str(reply[1])
            confirmed = written is None or await self._confirmed(written)
            if not confirmed:
                refused = event
                raise errors.not_stored("no replica of Redis confirmed it", event.text)
        finally:
            if written is not None and where is not None:
                where.confirmed(member, refused)

    async def _confirmed(self, written: Written) -> bool:
        """Whether ``--redis-replicas`` of Redis's replicas have what was
        ``written``."""
        assert self.replication is not None  # a Written is made with it
        return await self.replication.confirm(written)

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]:
        where = self.here.joined_room(member, room)
        reply = await self.calls.call(
            scripts.PAGE,
            where.key,
            key_of(session),
            session.token,
            count,
            "" if before is None else before,
            refusals=MEMBERS_ONLY,
        )
        return stored_events(reply[1])

    async def roster(self, room: str) -> Roster:
        """``WHO`` reads the room; an owner who is not a member is named
        from the server's keys (``TARGET``: the name its session holds, or
        its key when it has none), a second read only then."""
        reply = await self.calls.call(
            scripts.WHO,
            name_key(room),
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        roster = parse_roster(reply)
        if roster.owner_key and not roster.owner:
            found = await self._target(roster.owner_key)
            owner = found.name if found is not None and found.online else ""
            return replace(roster, owner=owner or roster.owner_key)
        return roster

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        """Who the target is (``TARGET``, the server's keys), then the room
        (``FACTS``, its keys: its facts, and whether the target is in it),
        two reads of one slot each, and for a target in the room its
        seating (``SEATINGS``: what a kick's departure is decided on). The
        target may change between them (go, and another take its name and
        join): a decision is applied only if the target's session still
        holds the name (the room's copy of who holds it for a member,
        ``MODERATING`` for a connected non-member) and is in the room or
        not as decided, and the room's seating is as read (``CHANGED``
        otherwise, and the node reads and decides again:
        :mod:`.moderation_steps`)."""
        key = name_key(target) if target else ""
        found = await self._target(key) if key else None
        reply = await self.calls.call(
            scripts.FACTS,
            name_key(room),
            key,
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        facts = parse_facts(reply, found)
        if facts.target is None or not facts.target.present:
            return facts
        read = await self.calls.eval(scripts.SEATINGS, name_key(room), key)
        return replace(facts, seating=outcomes.seated(read[0]).about(key))

    async def _target(self, key: str) -> Target | None:
        """The user whose name key is ``key``, as ``TARGET`` reads them."""
        return parse_target(await self.calls.eval(moderation_scripts.TARGET, key))

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> None:
        """The one write of a decided change: the scripts that check its
        premises and store it, chosen by its subject (a room's messages'
        by the operation that leads it)."""
        await self._appliers[type(change.subject)](change, session)

    def _applier_table(self) -> dict[type, Applier]:
        """Which steps apply a change of each subject (a room's seating
        here is a deletion: joins and leaves are :meth:`enter` and
        :meth:`leave`)."""
        return {
            RoomMessages: self._apply_messages,
            RoomModeration: self._apply_moderation,
            RoomSeating: self._apply_deletion,
            RoomHooks: by_nobody(self.hooks.apply),
            RoomPins: by_nobody(self.pins.apply),
            RoomName: self._apply_rename,
            ServerReports: by_nobody(self.abuse_reports.apply),
            AccountSettings: by_nobody(self.settings.apply),
            AccountMarkers: by_nobody(self.markers.apply),
            AccountRecord: self._apply_record,
            AccountPush: by_nobody(self.push.apply),
            AccountRooms: by_nobody(self.remembered.apply),
            AccountWaiting: by_nobody(self.conversations.apply),
            PrivateConversation: by_nobody(self.conversations.apply),
            AccountFiles: by_nobody(self.files.apply),
            CountedEvents: by_nobody(self.account_store.windows.apply),
            CountedFailures: by_nobody(self.account_store.failures.apply),
            AccountIgnores: by_nobody(self.account_store.apply),
            AccountAge: by_nobody(self.account_store.apply),
            ServerLockdown: by_nobody(self.account_store.apply),
            ServerBanList: self._apply_server_bans,
            InvitationCode: by_nobody(self.account_store.apply),
            ModerationLogOf: by_nobody(self.modlog.apply),
            KeptExport: by_nobody(self.user_data.apply_export),
            AccountUploadTokens: by_nobody(self.upload_tokens.apply),
            AccountSignIns: by_nobody(self.account_store.apply),
            AccountHoldings: by_nobody(self.user_data.apply_erasure),
            NameHolders: by_nobody(self.whowas.apply),
            StoredHistories: by_nobody(self.ageing.apply),
        }

    async def _apply_rename(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A room's rename (:mod:`.room_renames`): whether the lobby's
        watchers are told depends on the room being secret, read first."""
        facts = await self.facts(change.room)
        await self.renames.apply(change, facts.room.policy.secret)

    async def _apply_record(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """An account's record written, by its store; one that sessions go
        with (an account given up: :class:`~chatroom.core.changes.SignOut`,
        :class:`~chatroom.core.changes.EndSessions`) in the same script,
        which starts their ends once the premises hold and the record is
        written, the ends' other steps then run as a ban's
        (:mod:`.endings`)."""
        told = {op.told for op in change.ops if isinstance(op, SignOut | EndSessions)}
        if not told:
            await self.account_store.apply(change)
            return
        if len(told) > 1:
            raise TypeError(f"one reason for the ends of a change: {change!r}")
        try:
            await self.endings.end(
                accounts.APPLY,
                *self.account_store.record_arguments(change),
                kind=DepartureKind.QUIT,
                reason=told.pop(),
                refusals={},
            )
        except FactsChangedError as changed:
            raise await self.account_store.refusal(change, changed.args[0][1]) from None

    async def _apply_server_bans(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """Bans made and lifted in one script that checks the premises
        first, then the ends of the sessions the core decided they cover
        (:class:`~chatroom.core.changes.EndSessions`), on every node
        (:mod:`.endings`); a network ban's order to every node in the same
        script. The sessions of one change end told one reason."""
        told = {end.told for end in change.of(EndSessions)}
        if len(told) > 1:
            raise TypeError(f"one reason for the ends of a change: {change!r}")
        reason = told.pop() if told else ""
        premises: list[str] = []
        for premise in change.premises:
            if not isinstance(premise, Banned):
                raise TypeError(f"no premise {premise!r} of the server's bans")
            premises += [premise.mask, str(int(premise.banned))]
        operations: list[str] = []
        for op in change.ops:
            if isinstance(op, AddBan):
                order = ""
                if op.mask.startswith(IP):
                    order = codec.encode(NetworkBanned(op.mask, op.terms)).decode()
                operations += ["add", op.mask, op.terms, order]
            elif isinstance(op, LiftBan):
                order = ""
                if op.mask.startswith(IP):
                    order = codec.encode(NetworkBanLifted(op.mask)).decode()
                operations += ["lift", op.mask, order]
            elif isinstance(op, EndSessions):
                operations += ["end", op.holder, op.account]
            elif isinstance(op, RecordEntries):
                keep, entries = entries_args([op], SERVER_LOG)
                operations += ["record", str(keep), entries]
            else:
                raise TypeError(f"no operation {op!r} of the server's bans")
        try:
            await self.endings.end(
                accounts.APPLY_BANS,
                *telling(reason),
                len(change.premises),
                *premises,
                *operations,
                kind=DepartureKind.QUIT,
                reason=reason,
                refusals={},
            )
        except FactsChangedError as changed:
            failed = change.premises[int(changed.args[0][1]) - 1]
            raise PremiseFailedError(None, failed) from None

    async def _apply_messages(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A room's messages' change, by the script of the operation that
        leads it (a topic, an edit or a redaction, a reaction, a message
        appended alone, a deleted account's words)."""
        lead = type(change.ops[0])
        if lead is Append:
            await self._append(change, session)
            return
        if lead is ReplaceEvent:  # a deleted account's words: by nobody
            await self.user_data.replace(change)
            return
        assert session is not None  # a member's change
        await self._message_appliers[lead](change, session)

    async def _append(self, change: DecidedChange, session: Session | None) -> None:
        """An event appended alone: a webhook's post, from outside the room
        (one ``POST``: ``NO_SUCH_ROOM`` if it is gone), or a member's
        tags-only message (``KEEP``)."""
        (said,) = change.of(Append)
        if not said.outside:
            assert session is not None  # a member's
            await self.messages.keep(change, session)
            return
        reply = await self.calls.call(
            scripts.POST,
            change.room,
            codec.unnumbered(said.event),
            *kept(self.config, said.oldest),
            refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(said.event.room)},
        )
        said.event.id = str(reply[1])

    async def _topic(self, change: DecidedChange, session: Session) -> None:
        """One ``TOPIC`` script: the session's membership and the premises
        (the room's incarnation and version) checked, the topic set, its
        event appended."""
        (topic,) = change.of(SetTopic)
        (said,) = change.of(Append)
        incarnation, version, _ = _say_premises(change.premises)
        await self.calls.call(
            scripts.TOPIC,
            change.room,
            key_of(session),
            session.token,
            topic.text,
            topic.by,
            incarnation,
            version,
            topic.at,
            codec.unnumbered(said.event),
            self.config.retention,
            refusals=MEMBERS_ONLY,
        )

    async def _apply_deletion(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """Three steps, each on one slot: the session still holds its user
        (``HOLDS``: who deletes need not be a member, so the room's copies
        cannot say; none for a deletion by nobody, a deleted account's
        empty room), the room goes if its premises (incarnation, version)
        hold (``DELETE``), then the server's indexes forget it
        (``UNLIST``): out of the indexes after the room, so a node that
        dies between leaves only index entries naming a gone room, which
        their users' release and the listing's next full read clear
        (:mod:`.listing`)."""
        assert change.of(Drop)
        key = change.room
        (shown,) = change.of(Emit)
        incarnation, version, _ = _say_premises(change.premises)
        if session is not None:
            await self.calls.call(
                scripts.HOLDS,
                key_of(session),
                session.token,
                refusals={},
                arrived=published_nothing,
            )
        reply = await self.calls.call(
            scripts.DELETE,
            key,
            incarnation,
            version,
            codec.encode(shown.event),
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(shown.event.room)},
        )
        room = self.here.get(key)
        seq = int(reply[2])
        if room is not None and room.seq == seq - 1:
            # Everything before the deletion has arrived: act now, so our
            # user's next command finds itself in the lobby. Otherwise the
            # room's channel brings the deletion after those events.
            self.here.deleted(room, seq, reply[3])
        await self.calls.eval(scripts.UNLIST, key, *reply[4])

    async def _apply_moderation(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A member's moderation command (:mod:`.moderation_steps`), or a
        server admin's gift, by no session (:meth:`_give`)."""
        if session is None:
            await self._give(change)
        else:
            await self.moderation.apply(change.room, session, change)

    async def _give(self, change: DecidedChange) -> None:
        """One ``GIVE``: the room as read and the new owner in it checked,
        the policy and the owner set, the owner change shown (if any: a
        room left nobody's shows none)."""
        ((set_policy,), (owner,)) = change.of(SetPolicy), change.of(SetOwner)
        shown = b"".join(codec.encode(op.event) for op in change.of(Emit))
        incarnation, version, _ = _say_premises(change.premises)
        policy = set_policy.policy
        await self.calls.call(
            moderation_scripts.GIVE,
            change.room,
            incarnation,
            version,
            policy.to_json(),
            "1" if policy.keep else "0",
            "1" if policy.restricted else "0",
            policy.owner_account,
            owner.owner,
            shown,
            "1" if policy.moderated else "0",
            refusals={},
        )

    # -- lobby watchers -------------------------------------------------------------

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        return self.listing.watch(member, watching)


#: One subject's steps of :meth:`RedisBackend.apply`: the change and the
#: session it is by (None: by nobody connected, or an account's).
Applier = Callable[[DecidedChange, "Session | None"], Awaitable[None]]
#: The steps of a member's change of a room's messages, by its lead.
MessageApplier = Callable[[DecidedChange, Session], Awaitable[None]]


def _arrived(where: NodeRoom, reply: Any) -> Deferred[None] | None:
    """When a ``SAY`` answered ``{'OK', id, seq}`` has its message here
    (its place in the room's channel), for :meth:`RedisCalls.call`; None
    for any other answer (a refusal publishes nothing to wait for)."""
    if isinstance(reply, list) and len(reply) > 2 and reply[0] == b"OK":
        return where.reached(int(reply[2]))
    return None


def _say_premises(premises: tuple[Premise, ...]) -> tuple[str, str, bool]:
    """A room script's premise arguments: the room's incarnation and
    version as read, or "" and "" for :class:`~chatroom.core.changes.
    Unmoderated`; and whether the speaker is quiet (:class:`~chatroom.core.
    changes.QuietAmong`: ``SAY`` reads it as whether the room is shown
    anything first)."""
    incarnation = version = ""
    quiet = False
    for premise in premises:
        if isinstance(premise, Incarnation):
            incarnation = premise.incarnation
        elif isinstance(premise, Version):
            version = premise.version
        elif isinstance(premise, QuietAmong):
            quiet = bool(premise.users)
    return incarnation, version, quiet


def _speaking_now(
    room: str, where: NodeRoom | None, member: Member, changed: FactsChangedError
) -> PremiseFailedError:
    """What ``SAY`` answered when a premise failed (``{'CHANGED', quiet,
    moderated}``), kept on the node's room ``where`` for the member's next
    message, as the core's next decision's facts."""
    reply = changed.args[0]
    quiet, moderated = int(reply[1]) == 1, int(reply[2]) == 1
    if where is not None:
        where.moderated, where.speaking = moderated, None
        if quiet:  # quiet after all (joined so elsewhere)
            where.hush(member)
        else:
            where.unhush(member)
    return PremiseFailedError(SpeakingFacts(room, where is not None, quiet, moderated))


def _claim_premises(premises: tuple[Premise, ...]) -> list[str]:
    """``CLAIM``'s last arguments: whether u is an account's ('1'/'0', ''
    for no such premise), then each mask and whether it is banned."""
    registered = ""
    masks: list[str] = []
    for premise in premises:
        if isinstance(premise, NameRegistered):
            registered = "1" if premise.registered else "0"
        elif isinstance(premise, Banned):
            masks += [premise.mask, "1" if premise.banned else "0"]
        else:
            raise TypeError(f"no premise {premise!r} of a name's claim")
    return [registered, *masks]


def _claim_refused(changed: FactsChangedError) -> PremiseFailedError:
    """``CLAIM``'s ``CHANGED``, whether the name is an account's and
    whether a mask is banned, as the claim's facts now."""
    _, registered, banned = changed.args[0]
    return PremiseFailedError(ClaimFacts(bool(int(registered)), bool(int(banned))))
