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
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis import (
    accounts,
    decided,
    moderation_scripts,
    node_scripts,
    outcomes,
    scripts,
)
from chatroom.backends.redis.abuse_reports import RedisReports
from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.backends.redis.ageing import HistoryAgeing
from chatroom.backends.redis.bridge import RedisBridge
from chatroom.backends.redis.calls import MEMBERS_ONLY, published_nothing
from chatroom.backends.redis.census import RedisCensus
from chatroom.backends.redis.copies import MemberCopies
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.departure_queue import DepartureQueue
from chatroom.backends.redis.encoded import (
    decoded_for_sessions,
)
from chatroom.backends.redis.endings import Endings, telling
from chatroom.backends.redis.entries import RedisEntries
from chatroom.backends.redis.files import RedisFiles, RedisUploadTokens
from chatroom.backends.redis.hooks import RedisHooks
from chatroom.backends.redis.listing import RedisListing
from chatroom.backends.redis.markers import RedisMarkers
from chatroom.backends.redis.messages import RedisMessageSteps
from chatroom.backends.redis.moderation_steps import ModerationSteps
from chatroom.backends.redis.modlog import RedisModerationLog
from chatroom.backends.redis.neighbours import RedisNeighbours
from chatroom.backends.redis.node import ClusterNode, new_incarnation
from chatroom.backends.redis.other_nodes import RedisOtherNodes
from chatroom.backends.redis.pins import RedisPins
from chatroom.backends.redis.presence import RedisPresence, fields
from chatroom.backends.redis.private import RedisConversations
from chatroom.backends.redis.push import RedisPush
from chatroom.backends.redis.remembered import RedisRememberedRooms
from chatroom.backends.redis.replicas import ReplicaWait
from chatroom.backends.redis.replies import (
    key_of,
)
from chatroom.backends.redis.resume_steps import Held, HeldUser
from chatroom.backends.redis.room_calls import RedisRoomCalls
from chatroom.backends.redis.room_renames import RedisRenames
from chatroom.backends.redis.room_steps import RoomSteps
from chatroom.backends.redis.room_store import RedisRooms
from chatroom.backends.redis.routing import redis_calls
from chatroom.backends.redis.settings import RedisSettings
from chatroom.backends.redis.slash_commands import RedisCommands
from chatroom.backends.redis.stores import (
    RedisAccountStores,
    RedisBus,
    RedisMessages,
    RedisModeration,
    RedisServer,
)
from chatroom.backends.redis.streams import RedisStreams
from chatroom.backends.redis.userdata import RedisUserData
from chatroom.backends.redis.watching import RedisWatching
from chatroom.backends.redis.whowas import RedisWhowas
from chatroom.core.backend import Reports
from chatroom.core.infra.applying import NOTHING, Applied
from chatroom.core.infra.fanout import deliver_to, fan_out
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.accounts import (
    AccountRecord,
)
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
    account_of,
    applies,
    by_nobody,
    dispatch,
)
from chatroom.core.model.changes.messages import (
    Append,
    RoomMessages,
)
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    EndSessions,
    LiftBan,
    RoomModeration,
    ServerBanList,
    SignOut,
)
from chatroom.core.model.changes.names import HeldName, Release, SetAccount
from chatroom.core.model.changes.rooms import (
    AddMember,
    ClaimantIs,
    Drop,
    Emit,
    MakeRoom,
    Named,
    RemoveMember,
    RoomName,
    RoomSeating,
)
from chatroom.core.model.changes.server import (
    AttachDevice,
    LetGo,
    MarkGone,
    NameHolding,
    TakeName,
)
from chatroom.core.model.changes.settings import (
    AccountIgnores,
)
from chatroom.core.model.changes.transactions import KeyDoneError, KeyUnused
from chatroom.core.model.config import ClusterConfig, ServerConfig
from chatroom.core.model.events import (
    DepartureKind,
    Event,
    Listing,
    Message,
)
from chatroom.core.model.facts import (
    ClaimFacts,
    EndedUser,
    Ending,
    HeldElsewhere,
    SpeakingFacts,
    WelcomeFacts,
)
from chatroom.core.model.member import Member
from chatroom.core.model.metrics import DEPARTURES
from chatroom.core.model.nodemessages import (
    EndDevice,
    EndSession,
    IgnoresChanged,
    LockdownSet,
    NetworkBanLifted,
    NetworkBanned,
    ShowRoom,
    StandHere,
)
from chatroom.core.moderation.lockdown import Lockdown
from chatroom.core.moderation.modlog import MODLOG_KEEP
from chatroom.core.moderation.netbans import IP, BanTerms, ServerBan
from chatroom.core.rooms.lobby_list import LobbyList
from chatroom.redisclient.link import RedisLink, Written
from chatroom.wire.goodbyes import heard_in_rooms

if TYPE_CHECKING:  # psycopg's: imported where --files-db is given
    from chatroom.backends.redis.files_postgres import PostgresFileBytes

NAME_LOST = "your name was given to someone else while this server was out of touch"
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
        #: over are told, once started (:meth:`start`).
        self.reports: Reports | None = None
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
            self._lobby,
            sessions.by_token,
            lambda room: self.renames.log_after(room),
        )
        self.room_steps = RoomSteps(self.calls)
        #: Sessions' ends: the server's step, the rooms', the server's last.
        self.endings = Endings(self.calls, self.room_steps, self._sessions_ended)
        #: Moderations' outcomes: the server's step, the room's, the server's after.
        self.moderation_steps = ModerationSteps(self.calls)
        self.entries = RedisEntries(
            config,
            self.calls,
            self.node,
            self.here,
            sessions,
            self.room_steps,
            self.endings,
        )
        #: Rooms' renames and their former names (:mod:`.room_renames`).
        self.renames = RedisRenames(self.calls, clock, self.here, self.entries)
        self.stopping = False
        self.account_store = RedisAccounts(self.calls)
        self.markers = RedisMarkers(self.calls)
        #: Accounts' settings (chatroom.core.accounts.account_settings).
        self.settings = RedisSettings(self.calls)
        #: Rooms' pinned messages (chatroom.core.messages.pins).
        self.pins = RedisPins(self.calls)
        #: The server's reports of messages (chatroom.core.messages.abuse_reports).
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
        #: Lost sessions' marks asked for this turn, each with its answer
        #: (:meth:`_mark_gone`).
        self._gone: list[tuple[DecidedChange, Deferred[None]]] = []
        self.whowas = RedisWhowas(self.calls, self.departures)
        #: Names coming and going, for every node's watchers (MONITOR).
        self.watching = RedisWatching(self.calls, cluster.prefix)
        #: News of a user to its rooms: the server's step, then each room's.
        self.neighbours = RedisNeighbours(self.calls, self.watching)
        #: This node's counts of its connections, for LUSERS of the cluster.
        self.census = RedisCensus(self.calls, cluster.node_id, clock)
        #: The bots' event streams, counted over every node.
        self.streams = RedisStreams(self.calls, cluster.node_id)
        self.conversations = RedisConversations(
            self.calls, config.conversation_retention, self.replication
        )
        #: Edits, redactions and reactions; typing notices; /modlog; /search.
        searcher = None
        if cluster.search_db is not None:  # psycopg: loaded with --search-db alone
            from chatroom.backends.redis.search import ClusterSearch

            searcher = ClusterSearch(cluster.search_db, self.calls, clock, config)
            # the rooms this node hears, indexed in the background
            self.here.heard = searcher.heard
        self.message_steps = RedisMessageSteps(
            self.calls, self.here, config, searcher, self.replication
        )
        self.modlog = RedisModerationLog(self.calls)
        self.hooks = RedisHooks(self.calls)
        self.slash_commands = RedisCommands(self.calls)
        #: The rooms' calls, while they are on (the rooms' wing holds them).
        self.room_calls = RedisRoomCalls(self.calls)
        #: The Matrix bridge's ledger (chatroom.core.bridging).
        self.bridge = RedisBridge(self.calls)
        #: The rooms' copies of a member, refreshed a room a step.
        self.copies = MemberCopies(self.calls)
        #: Every room's history trimmed by age (chatroom.core.messages.retention).
        self.ageing = HistoryAgeing(self.calls)
        #: /export and /delete-account (chatroom.core.policy.userdata).
        self.user_data = RedisUserData(self.calls, self.markers, self.remembered, clock)
        #: The name keys being claimed, by the claiming session's token.
        self._claiming: dict[str, str] = {}
        #: The steps that apply a change, by its subject's kind; a member's
        #: change of a room's messages, by the operation that leads it.
        self._appliers = self._applier_table()
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
        #: The stores by concern and the bus (chatroom.core.backend.Backend).
        self.rooms = RedisRooms(
            self.calls,
            self.here,
            self.listing,
            self.entries,
            self.renames,
            sessions,
            self.hooks,
            self.slash_commands,
            self.room_calls,
        )
        self.messages = RedisMessages(
            self.calls, self.here, self.message_steps, self.pins, self.conversations
        )
        self.accounts = RedisAccountStores(
            self.account_store,
            self.markers,
            self.settings,
            self.remembered,
            self.push,
            self.files,
            self.upload_tokens,
            self.user_data,
            self.file_bytes,
        )
        self.moderation = RedisModeration(
            self.modlog, self.abuse_reports, self.account_store
        )
        self.server = RedisServer(
            self.calls,
            prefix,
            self.rooms,
            self.other_nodes,
            self.presence,
            self.whowas,
            self.census,
            self.watching,
            self.streams,
        )
        self.bus = RedisBus(
            self.calls,
            self.neighbours,
            self.message_steps,
            self.server,
            self.cluster.node_id,
        )

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

    def start(self, reports: Reports) -> None:
        """The node joins the cluster; from now on ``reports`` hears what
        happens under it of its own accord."""
        self.reports = reports
        self.here.reports = reports
        self.node.start()
        self.message_steps.start()
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
        detaching = self.node.detach().addCallback(lambda _: self.message_steps.close())
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
        self.streams.republish()
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
        operands = {
            "node": node,
            "own": own,
            "chunk": node_scripts.HARVEST_CHUNK,
            "harvester": self.cluster.node_id,
            "lease": lease,
        }
        while True:
            reply = await self.endings.end(
                node_scripts.HARVEST,
                operands,
                kind=DepartureKind.HARVEST,
                reason=reason,
                refusals={},
                waits_until=waits_until,
                always=own,
            )
            if not int(reply[3]):
                return False
            # A name its devices kept changing under: the next beat's harvest.
            ending = {"waits_until": waits_until, "always": own}
            handed = self._handed_over(reply[5])
            await self._let_go(handed, DepartureKind.HARVEST, reason, **ending)
            if int(reply[4]) < node_scripts.HARVEST_CHUNK:
                break  # that was the index's last chunk
        forgotten = await self.calls.eval(
            node_scripts.HARVESTED, {"node": node, "own": own}, always=own
        )
        return bool(int(forgotten))

    async def settle(self, rooms: list[str], due: int) -> None:
        """The rooms named waiting for their members, their wait over at
        ``due`` (ms), or (0: after a resume) found empty or ownerless: read
        and reported to the core, which decides each one's succession
        (:mod:`chatroom.core.rooms.settling`) and hands it back as a change
        (:meth:`apply_succession`)."""
        seen = outcomes.seated_all(await self.seatings(rooms))
        if due:
            waiting_no_more = [
                room.key
                for room in seen.values()
                if not room.exists or not room.waits_until
            ]
            if waiting_no_more:
                await self.calls.eval(
                    node_scripts.UNKEEP, {"due": due, "rooms": waiting_no_more}
                )
        waiting = [decided.waiting_of(room) for room in seen.values()]
        await self._reports.rooms_waited(waiting, due)

    async def _apply_departures(self, change: DecidedChange) -> None:
        await self.endings.apply(change)

    async def _apply_succession(self, change: DecidedChange) -> None:
        """``APPLY``'s room step of a room's succession (its premises
        checked there), then the server's step after it (``INDEX_LAST``:
        the room no longer waits, or is gone)."""
        refusal = await self.room_steps.applied(change, False, mark="after")
        if refusal is not None:
            seating = refusal.get(change.room)
            now = None if seating is None else decided.waiting_of(seating)
            raise PremiseFailedError(now)
        await self.room_steps.index_last([change])

    async def seatings(self, entries: list[str]) -> list[Any]:
        """The seatings ``SEATINGS`` reads of each ``r u...`` of ``entries``
        (a room's key, the users a decision is about), one room a call: each
        reads its room's slot alone."""
        read = []
        for entry in entries:
            room, *about = entry.split()
            operands = {"room": room, "about": about}
            read += await self.calls.eval(scripts.SEATINGS, operands)
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
        held = {key_of(session): session for _, session in self.sessions.named()}
        about: dict[str, list[str]] = {}
        for entry in places:
            key, _, u = entry.partition(" ")
            about.setdefault(key, []).append(u)
        read = await self.seatings([" ".join([key, *us]) for key, us in about.items()])
        leavers = [
            EndedUser(u, held[u].name or u, held[u].token)
            if u in held
            else EndedUser(u, u, "")
            for us in about.values()
            for u in us
        ]
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
        for bans in list(self.moderation.network_ban_listeners):
            bans.missed()
        for level in list(self.moderation.lockdown_listeners):
            level.missed()

    # -- names --------------------------------------------------------------------

    @applies(NameHolding)
    async def _apply_claim(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A name's claim as the core decided it (:mod:`chatroom.core.
        claims`): ``CLAIM`` on the server's keys, once this node's own end
        of the name, if under way, is done (started at once if it still
        waits its turn behind a crowd's: :meth:`.departure_queue.
        DepartureQueue.hasten`); then each room's copy of the
        member (:class:`~chatroom.backends.redis.copies.MemberCopies`): its
        rooms' after a rename (``IN_ROOM``), the account's rooms after a
        device attached (``ATTACHED``). ``CLAIM`` checks the claim's
        premises before it takes the name: a refusal brings the claim's
        facts as they are (:func:`_claim_refused`). What ``CLAIM``
        publishes is a first name's sighting on the watch channel: the call
        waits for the channel (its ``MONITOR`` watchers are told before the
        sign-in goes on); else nothing it published comes here, and no
        ``PING`` asks. A session whose connection is gone is marked so
        (:meth:`_mark_gone`)."""
        assert isinstance(change.subject, NameHolding)
        key = change.subject.name
        (op,) = change.ops
        if isinstance(op, MarkGone):
            await self._mark_gone(change)
            return
        assert isinstance(op, TakeName | AttachDevice)
        operands: dict[str, Any] = {
            "change": change,
            # the bans the core's decision read (its masks'), read again
            # with the claim's facts when a premise fails
            "masks": [p.mask for p in change.premises if isinstance(p, Banned)],
        }
        if op.presence is not None:
            operands["presence"] = fields(op.presence)
        claiming = session.token if session is not None else ""
        self._claiming[claiming] = key
        try:
            self.departures.hasten(self.endings.under_way(key))
            await self.endings.released(key)
            try:
                reply = await self.calls.call(
                    scripts.CLAIM, operands, refusals={}, arrived=self._sighted
                )
            except FactsChangedError as changed:
                raise _claim_refused(change, changed) from changed
            if len(reply) > 1:  # its rooms' copies (a rename, a device)
                await self.copies.refresh(key, *reply[1:])
        finally:
            self._claiming.pop(claiming, None)

    def _mark_gone(self, change: DecidedChange) -> Deferred[None]:
        """A session whose connection is gone marked so (``MARK_GONE``), for a
        claim of its name on any node to end it at once rather than wait
        for this node's release, or be refused. The marks of a turn go in
        one call (a crowd lost at once is one call, not a crowd of them),
        each answered on its own: applied, or refused by its premise;
        nothing at shutdown or while Redis is out of reach (its release
        comes all the same)."""
        if self.stopping or not self.node.available:
            return succeed(None)
        marked: Deferred[None] = Deferred()
        self._gone.append((change, marked))
        if len(self._gone) == 1:
            self.clock.callLater(0, self._mark_all_gone)
        return marked

    def _mark_all_gone(self) -> None:
        """The marks asked for since the last call, in one ``MARK_GONE``."""
        gone, self._gone = self._gone, []
        marking = Deferred.fromCoroutine(
            self.calls.call(
                scripts.MARK_GONE,
                {"changes": [change for change, _ in gone]},
                refusals={},
            )
        )

        def answered(reply: list[Any]) -> None:
            for (change, marked), failed in zip(gone, reply[1:], strict=True):
                if int(failed):
                    premise = change.premises[int(failed) - 1]
                    marked.errback(PremiseFailedError(None, premise))
                else:
                    marked.callback(None)

        def failed(failure: Failure) -> None:
            for _, marked in gone:
                marked.errback(failure)

        marking.addCallbacks(answered, failed)

    def _sighted(self, reply: Any) -> Deferred[None] | None:
        """For a ``CLAIM``'s ``arrived``: None (the ``PING``) while this
        node hears the watch channel, where its sighting goes; else nothing
        to wait for."""
        return None if self.watching.subscribed else published_nothing(reply)

    async def _sign(self, session: Session, account: str) -> None:
        """For other nodes' bans, invitations, kept rooms (``P signed``)."""
        u = key_of(session)
        signed = {"user": u, "token": session.token, "account": account}
        reply = await self.calls.call(scripts.SIGN, signed, refusals={})
        await self.copies.refresh(u, *reply[1:])

    def _release_session(
        self, member: Member, session: Session, release: Release
    ) -> None:
        """Free a departing member's places and name in the cluster. Not
        awaited: nobody is waiting for the answer. If Redis is down, the
        next resume releases whatever this node no longer holds."""
        self.rooms.watch_lobby(member, False)
        named = key_of(session) if session.name else ""
        known = {
            room.key: room.seating_of(member, named)
            for room in self.here.rooms_here(member)
        }
        self.here.release(member)
        self.calls.released_here.add(session.token)
        if self.stopping or not self.node.available:
            return
        reason, own_words = release.reason, release.own_words
        for key in {named, self._claiming.get(session.token)}:
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
        node has (``known``) and Redis's of the rest; a name its devices on
        other nodes hold too is handed to the heir the core chooses among
        them (:meth:`_handed_over`)."""
        changes = [
            DecidedChange(NameHolding(key), ops=(LetGo(token),))
            for key, token in sessions
        ]
        ending = {"known": known, "own_words": own_words}
        if not await self._let_go(changes, DepartureKind.QUIT, reason, **ending):
            raise errors.unavailable()

    async def _let_go(
        self,
        changes: list[DecidedChange],
        kind: DepartureKind,
        reason: str,
        **ending: Any,
    ) -> bool:
        """``RELEASE`` of ``changes`` (each a name its session lets go), then
        of the names it answers undecided (devices on other nodes hold them
        too) handed to the heir the core chooses (:meth:`_handed_over`),
        decided again a few times at most while those devices change under
        it; ``ending``: the end's options (:meth:`.Endings.end`). False if
        some were still undecided then."""
        for _ in range(DECISION_ATTEMPTS):
            if not changes:
                return True
            reply = await self.endings.end(
                scripts.RELEASE,
                {"changes": changes},
                kind=kind,
                reason=reason,
                refusals={},
                **ending,
            )
            changes = self._handed_over(reply[3])
        return not changes

    def _on_message(self, channel: bytes, message: bytes) -> None:
        """One message from a subscribed channel that is no room's (a
        room's goes to its room: :meth:`NodeRooms.on_message`)."""
        if channel == self._node_channel:
            self._for_sessions(message)
        elif channel == self.listing.channel:
            self.listing.heard(message)
        elif channel == self.watching.channel:
            self.watching.on_message(message)

    def _for_sessions(self, message: bytes) -> None:
        """A message for this node's sessions: ``conn`` or ``*``, then an
        event or an order (:mod:`chatroom.core.model.nodemessages`)."""
        number, _, data = message.partition(b" ")
        said = decoded_for_sessions(data)
        if number == b"*":
            if isinstance(said, Event):
                fan_out(self.sessions.addressed(said), said)
            elif isinstance(said, IgnoresChanged):
                self.sessions.ignoring_changed(said.account, frozenset(said.names))
            elif isinstance(said, NetworkBanned):
                ban = ServerBan(said.mask, BanTerms.decoded(said.terms))
                for listener in list(self.moderation.network_ban_listeners):
                    listener.banned(ban)
            elif isinstance(said, NetworkBanLifted):
                for listener in list(self.moderation.network_ban_listeners):
                    listener.lifted(said.mask)
            elif isinstance(said, LockdownSet):
                for heard in list(self.moderation.lockdown_listeners):
                    heard.lockdown_set(Lockdown(said.level, said.by))
            elif isinstance(said, StandHere) and said.node != self.cluster.node_id:
                self._reports.stand_here(said.names)  # that node is stopping
            return
        member = self.sessions.by_token(f"{self.cluster.node_id}:{number.decode()}")
        if member is None or said is None:
            return
        if isinstance(said, EndSession):
            self._reports.session_ended(member, said.reason)  # Redis released it
        elif isinstance(said, ShowRoom):  # another node's device entered it
            self._reports.room_shown(member, said.room)
        elif isinstance(said, EndDevice):  # /logout of a device of ours
            self._reports.device_logged_out(member, said.number, said.reason)
        elif isinstance(said, Event):
            deliver_to(member, said)

    # -- rooms --------------------------------------------------------------------

    async def _lobby(self) -> Listing:
        """The lobby's list, for a member a room was taken from."""
        return await self.listing.lobby()  # one read for a storm's sign-ins

    async def _enter(
        self, member: Member, session: Session, change: DecidedChange
    ) -> WelcomeFacts:
        """A create (``ENTERING``, ``CREATE``) or a join (``ENTERING``,
        ``JOIN``): ``NOT_IN_ROOM`` if the member went meanwhile (nobody to
        answer)."""
        key, u = change.room, key_of(session)
        making = change.of(MakeRoom)
        operands: dict[str, Any] = {"user": u}
        if making:
            name, script = making[0].name, scripts.CREATE
            operands["capacity"] = self.config.room_capacity
            operands["incarnation"] = new_incarnation()
        else:
            named = change.premise(Named)
            name = named.name if named is not None else key
            script = scripts.JOIN
        view = await self.entries.enter(
            member, session, key, name, None, script, operands, change
        )
        if view is None:
            raise errors.not_in_room()
        return view

    async def _leave(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        await self.entries.leave(member, session, change)

    async def _say(
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
        # Where the message was written: its WAIT goes on that connection.
        written = None if self.replication is None else Written()
        if self.replication is not None and where is not None:
            # The sender's own copy is its acknowledgement: kept back until
            # the replicas have the message, and never shown if they do not.
            where.withhold(member)
        refused: Message | None = None
        operands: dict[str, Any] = {
            "change": change,
            "user": key_of(session),
            "token": session.token,
            "retention": self.config.retention,
        }
        keyed = change.premises[-1]
        if type(keyed) is KeyUnused:
            operands["keyed"] = 1  # a keyed line's (/txn): its key first
            if written is not None:  # its members' copies held: _publish_held
                operands["held"] = 1
        try:
            try:
                reply = await self.calls.call(
                    scripts.SAY,
                    operands,
                    refusals=MEMBERS_ONLY,
                    arrived=None if where is None else partial(_arrived, where),
                    written=written,
                )
            except FactsChangedError as changed:
                raise _speaking_now(event.room, where, member, changed) from None
            except KeyDoneError as done:
                # Done already: acknowledged again only once the replicas
                # have its record, as a first send is (the script renewed
                # it, a write of this connection's that the WAIT covers);
                # a message still held is said now, once.
                if written is not None and not await self._confirmed(written):
                    raise errors.not_stored(
                        "no replica of Redis confirmed it", event.text
                    ) from None
                if not done.record.held or written is None:
                    raise
                assert isinstance(keyed, KeyUnused)
                try:
                    said_id = await self._say_held(
                        where, member, operands, said, written
                    )
                except HeldRefusedError as held:
                    raise held.refusal from None
                record = replace(done.record, id=said_id, held=False)
                raise KeyDoneError(record) from None
            if where is not None:
                where.unhush(member)
            event.id = str(reply[1])
            confirmed = written is None or await self._confirmed(written)
            if not confirmed:
                # A held message was never published: nothing to drop.
                refused = None if "held" in operands else event
                raise errors.not_stored("no replica of Redis confirmed it", event.text)
            if "held" in operands:
                assert isinstance(keyed, KeyUnused) and written is not None
                refused = event  # published from here on: dropped if refused
                try:
                    event.id = await self._say_held(
                        where, member, operands, said, written
                    )
                except HeldRefusedError as held:  # nothing published
                    refused = None
                    raise held.refusal from None
                refused = None
        finally:
            if written is not None and where is not None:
                where.confirmed(member, refused)

    async def _say_held(
        self,
        where: NodeRoom | None,
        member: Member,
        said_with: dict[str, Any],
        said: Append,
        written: Written,
    ) -> str:
        """A keyed message ``SAY`` held (behind ``--redis-replicas``), now
        that the replicas have it, numbered, kept and published to the
        room's members on every node (``PUBLISH_HELD``, once whoever asks)
        and here before this returns, so that its sender's own copy comes
        before its ``ACK``; its id once the replicas have that too
        (``UNAVAILABLE`` if they do not, as for any message). Held until
        then, it reaches no member if the primary dies before a replica
        has it: the promoted replica has neither it nor its key, and the
        sender's repeat is said there once (docs/scaling.md, *Keys of /txn
        in Redis*). ``said_with``: ``SAY``'s operands (the change, its
        speaker and session), whose premises ``PUBLISH_HELD`` checks again
        for what changed while it was held (the room deleted, the speaker
        kicked or banned, the room moderated): nothing is published and
        its key is dropped, :class:`HeldRefusedError`."""
        change: DecidedChange = said_with["change"]
        keyed = change.premises[-1]
        assert isinstance(keyed, KeyUnused)
        operands = {
            "room": change.room,
            "sender": keyed.sender,
            "key": keyed.key,
            "change": change,
            "user": said_with["user"],
            "token": said_with["token"],
            "retention": self.config.retention,
            "oldest": said.oldest,
        }
        try:
            reply = await self.calls.call(
                scripts.PUBLISH_HELD,
                operands,
                refusals=MEMBERS_ONLY,
                arrived=None if where is None else partial(_arrived, where),
                written=written,
            )
        except FactsChangedError as changed:
            refusal = _speaking_now(change.room, where, member, changed)
            raise HeldRefusedError(refusal) from None
        except errors.ChatError as refused:
            if refused.code != "NOT_IN_ROOM":  # UNAVAILABLE: maybe published
                raise
            # the speaker is no longer in the room: the core reads where it is now
            raise HeldRefusedError(PremiseFailedError()) from None
        if not await self._confirmed(written):
            text = said.event.text if isinstance(said.event, Message) else ""
            raise errors.not_stored("no replica of Redis confirmed it", text)
        return "" if reply[1] in (0, b"0") else str(reply[1])

    async def _confirmed(self, written: Written) -> bool:
        """Whether ``--redis-replicas`` of Redis's replicas have what was
        ``written``."""
        assert self.replication is not None  # a Written is made with it
        return await self.replication.confirm(written)

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> Applied:
        """The one write of a decided change: the scripts that check its
        premises and store it, chosen by its subject (a room's messages'
        by the operation that leads it). A member's message is its own
        script (``SAY``, the message path); a room's seating and a held
        name are applied with the member and session they are by; a join
        answers what its reply is built from."""
        subject = type(change.subject)
        if subject is RoomMessages and member is not None and _said(change):
            assert session is not None  # a member's
            await self._say(member, session, change)
            return NOTHING
        if subject is RoomSeating:
            return await self._apply_seating(change, member, session)
        if subject is HeldName:
            return await self._apply_held_name(change, member, session)
        await self._appliers[subject](change, session)
        return NOTHING

    @applies(HeldName)
    async def _apply_held_name(
        self, change: DecidedChange, member: Member | None, session: Session | None
    ) -> Applied:
        """A session's sign-in (``SIGN``) or release."""
        assert member is not None and session is not None  # a session's
        for op in change.ops:
            if isinstance(op, SetAccount):
                await self._sign(session, op.account)
            elif isinstance(op, Release):
                self._release_session(member, session, op)
        return NOTHING

    @applies(RoomSeating)
    async def _apply_seating(
        self, change: DecidedChange, member: Member | None, session: Session | None
    ) -> Applied:
        """A change of a room's seating, by what it does: a member's join or
        create (``ENTERING``, ``CREATE`` or ``JOIN``: its answer the join's
        facts) or leave (``LEAVE``), the departures of sessions' ends
        (:mod:`.endings`), a room's succession once its wait is over
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
            await self._apply_deletion(change, session)
        return NOTHING

    @property
    def _reports(self) -> Reports:
        """Where what happens under this node of its own accord is told:
        the core's, given at :meth:`start` (a node serves once started)."""
        assert self.reports is not None, "the node has not started"
        return self.reports

    def _handed_over(self, undecided: list[list[Any]]) -> list[DecidedChange]:
        """The names whose own session a release ended while devices on
        other nodes hold them too (``{u, token, their sessions}`` each, as
        read), each handed to the heir the core chooses among those devices
        (:meth:`Reports.heirs`)."""
        held = [
            HeldElsewhere(
                u.decode(), token.decode(), tuple(sorted(d.decode() for d in devices))
            )
            for u, token, devices in undecided
        ]
        return self._reports.heirs(held) if held else []

    async def _sessions_ended(self, ending: Ending) -> None:
        """Sessions' ends, their rooms as read, for the core to decide the
        departures of (:mod:`.endings`)."""
        await self._reports.sessions_ended(ending)

    def _applier_table(self) -> dict[type, Applier]:
        """Which step applies a change of each subject, as each declares it
        (:func:`~chatroom.core.model.changes.base.applies`): the back-end's
        own where a change is more than one store's (a room's seating and
        a held name are applied with the member and session they are by,
        by :meth:`apply` itself), else its store's."""
        own = (
            self._apply_seating,
            self._apply_held_name,
            self._apply_messages,
            self._apply_moderation,
            self._apply_rename,
            self._apply_record,
            self._apply_server_bans,
            self._apply_claim,
            by_nobody(self._apply_ignores),
        )
        stores = (
            self.hooks.apply,
            self.slash_commands.apply,
            self.room_calls.apply,
            self.bridge.apply,
            self.pins.apply,
            self.abuse_reports.apply,
            self.settings.apply,
            self.markers.apply,
            self.push.apply,
            self.remembered.apply,
            self.conversations.apply,
            self.files.apply,
            self.account_store.windows.apply,
            self.account_store.failures.apply,
            self.account_store.apply,
            self.modlog.apply,
            self.user_data.apply_export,
            self.upload_tokens.apply,
            self.user_data.apply_erasure,
            self.whowas.apply,
            self.streams.apply,
            self.ageing.apply,
        )
        return dispatch([*own, *(by_nobody(apply) for apply in stores)])

    @applies(AccountIgnores)
    async def _apply_ignores(self, change: DecidedChange) -> None:
        """An account's ignore list kept, then taken by its seats on every
        node (this one's too, from its channel, as every node's)."""
        await self.account_store.apply(change)
        account = account_of(change, AccountIgnores)
        names = await self.account_store.ignores(account)
        order = IgnoresChanged(account, tuple(sorted(names)))
        await self.calls.eval(
            moderation_scripts.ANNOUNCE, {"event": codec.encode(order)}
        )

    @applies(RoomName)
    async def _apply_rename(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A room's rename (:mod:`.room_renames`): whether the lobby's
        watchers are told depends on the room being secret, read first."""
        facts = await self.rooms.facts(change.room)
        await self.renames.apply(change, facts.room.policy.secret)

    @applies(AccountRecord)
    async def _apply_record(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """An account's record written, by its store; one that sessions go
        with (an account given up: a device signed out, the others ended)
        in the same script, which starts their ends once the premises hold
        and the record is written, the ends' other steps then run as a
        ban's (:mod:`.endings`)."""
        told = {op.told for op in change.of(SignOut)} | {
            op.told for op in change.of(EndSessions)
        }
        if not told:
            await self.account_store.apply(change)
            return
        if len(told) > 1:
            raise TypeError(f"one reason for the ends of a change: {change!r}")
        reason = told.pop()
        try:
            await self.endings.end(
                accounts.APPLY,
                {"change": change, **telling(reason)},
                kind=DepartureKind.QUIT,
                reason=heard_in_rooms(reason),  # a removed bot's: "bot removed"
                refusals={},
            )
        except FactsChangedError as changed:
            raise await self.account_store.refusal(change, changed) from None

    @applies(ServerBanList)
    async def _apply_server_bans(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """Bans made and lifted in one script that checks the premises
        first, then the ends of the sessions the core decided they cover
        (:class:`~chatroom.core.model.changes.moderation.EndSessions`), on every node
        (:mod:`.endings`); a network ban's order to every node in the same
        script. The sessions of one change end told one reason. A
        ``/kill`` is such a change, resting on the user's session holding
        its name still (:class:`~chatroom.core.model.changes.moderation.
        SessionIs`, which the script's interpreter checks as any premise):
        a user gone meanwhile is refused, nothing logged."""
        told = {end.told for end in change.of(EndSessions)}
        if len(told) > 1:
            raise TypeError(f"one reason for the ends of a change: {change!r}")
        reason = told.pop() if told else ""
        orders: dict[str, str] = {}
        for op in change.ops:
            if isinstance(op, AddBan) and op.mask.startswith(IP):
                orders[op.mask] = codec.encode(
                    NetworkBanned(op.mask, op.terms)
                ).decode()
            elif isinstance(op, LiftBan) and op.mask.startswith(IP):
                orders[op.mask] = codec.encode(NetworkBanLifted(op.mask)).decode()
        operands = {"change": change, "orders": orders, "keep": MODLOG_KEEP}
        try:
            await self.endings.end(
                accounts.APPLY_BANS,
                {**operands, **telling(reason)},
                kind=DepartureKind.QUIT,
                reason=reason,
                refusals={},
            )
        except FactsChangedError as changed:
            failed = change.premises[int(changed.args[0][1]) - 1]
            raise PremiseFailedError(None, failed) from None

    @applies(RoomMessages)
    async def _apply_messages(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A room's messages' change, by the script of the operation that
        leads it (a topic, an edit or a redaction, a reaction, a message
        appended alone, a deleted account's words)."""
        if type(change.ops[0]) is Append:
            await self._append(change, session)
        else:
            await self.message_steps.amend(change, session)

    async def _append(self, change: DecidedChange, session: Session | None) -> None:
        """An event appended alone (``SAY``): a webhook's post, from outside
        the room, by nobody (``NO_SUCH_ROOM`` if it is gone), or a member's
        tags-only message. One resting on a key (a Matrix event's, its
        last premise: :class:`~chatroom.core.model.changes.transactions.
        KeyUnused`) has it checked first and kept in the same script
        (``KeyDoneError``: done already, nothing appended)."""
        (said,) = change.of(Append)
        operands: dict[str, Any] = {
            "change": change,
            "retention": self.config.retention,
        }
        if session is not None:
            operands.update(user=key_of(session), token=session.token)
        if change.premises and type(change.premises[-1]) is KeyUnused:
            operands["keyed"] = 1
        reply = await self.calls.call(
            scripts.SAY,
            operands,
            refusals={
                **MEMBERS_ONLY,
                b"NO_SUCH_ROOM": lambda _: errors.no_such_room(said.event.room),
            },
        )
        said.event.id = str(reply[1])

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
        if session is not None:
            await self.calls.call(
                scripts.HOLDS,
                {"user": key_of(session), "token": session.token},
                refusals={},
                arrived=published_nothing,
            )
        reply = await self.calls.call(
            scripts.DELETE,
            {"change": change},
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(shown.event.room)},
        )
        room = self.here.get(key)
        seq = int(reply[2])
        if room is not None and room.seq == seq - 1:
            # Everything before the deletion has arrived: act now, so our
            # user's next command finds itself in the lobby. Otherwise the
            # room's channel brings the deletion after those events.
            self.here.deleted(room, seq, reply[3])
        await self.calls.eval(scripts.UNLIST, {"room": key, "members": reply[4]})

    @applies(RoomModeration)
    async def _apply_moderation(
        self, change: DecidedChange, session: Session | None
    ) -> None:
        """A member's moderation command, or a server admin's gift, by no
        session (:mod:`.moderation_steps`)."""
        await self.moderation_steps.apply(session, change)

    # -- lobby watchers -------------------------------------------------------------


#: One subject's steps of :meth:`RedisBackend.apply`: the change and the
#: session it is by (None: by nobody connected, or an account's).
Applier = Callable[[DecidedChange, "Session | None"], Awaitable[None]]
#: The steps of a member's change of a room's messages, by its lead.
MessageApplier = Callable[[DecidedChange, Session], Awaitable[None]]


class HeldRefusedError(Exception):
    """``PUBLISH_HELD`` found what a held keyed message rests on changed
    while it was held: nothing was published, its key was dropped, and
    ``refusal`` is the core's :class:`PremiseFailedError`, for it to
    decide again on the facts now (the speaker no longer in the room: the
    refusal a first send gets then)."""

    def __init__(self, refusal: Exception) -> None:
        super().__init__(refusal)
        self.refusal = refusal


def _arrived(where: NodeRoom, reply: Any) -> Deferred[None] | None:
    """When a ``SAY`` answered ``{'OK', id, seq}`` has its message here
    (its place in the room's channel), for :meth:`RedisCalls.call`; None
    for any other answer (a refusal publishes nothing to wait for)."""
    if isinstance(reply, list) and len(reply) > 2 and reply[0] == b"OK":
        return where.reached(int(reply[2]))
    return None


def _speaking_now(
    room: str, where: NodeRoom | None, member: Member, changed: FactsChangedError
) -> PremiseFailedError:
    """What ``SAY`` answered when a premise failed (``{'CHANGED', the failed
    premise's place, quiet, moderated}``), kept on the node's room ``where``
    for the member's next message, as the core's next decision's facts."""
    reply = changed.args[0]
    quiet, moderated = int(reply[2]) == 1, int(reply[3]) == 1
    if where is not None:
        where.moderated, where.speaking = moderated, None
        if quiet:  # quiet after all (joined so elsewhere)
            where.hush(member)
        else:
            where.unhush(member)
    return PremiseFailedError(SpeakingFacts(room, where is not None, quiet, moderated))


def _claim_refused(
    change: DecidedChange, changed: FactsChangedError
) -> PremiseFailedError:
    """``CLAIM``'s ``CHANGED``: the premise that failed, and the claim's
    facts now."""
    _, failed, registered, banned, holder, signed_to, ending, devices, gone = (
        changed.args[0]
    )
    facts = ClaimFacts(
        bool(int(registered)),
        bool(int(banned)),
        holder.decode(),
        signed_to.decode(),
        bool(int(ending)),
        int(devices),
        gone.decode(),
    )
    return PremiseFailedError(facts, change.premises[int(failed) - 1])


def _said(change: DecidedChange) -> bool:
    """Whether a change of a room's messages by a member is a message said
    (:meth:`RedisBackend._say`, one ``SAY``): an :class:`Append` of a
    message, after a quiet speaker's announcement if any (an edit, a
    topic, a reaction or a tags-only message appends another kind of
    event)."""
    said = change.ops[-1]
    return type(said) is Append and type(said.event) is Message
