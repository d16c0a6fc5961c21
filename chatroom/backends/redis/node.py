"""A node's membership of the cluster: joining, heartbeats, resuming, leaving.

A node is in the cluster while Redis has its heartbeat key (``--node-ttl``)
and its users' names and places. When any of its Redis links drops
(commands, subscriber, heartbeat; on a Redis Cluster with rooms apart, a
commands and a subscriber link per primary too, :mod:`.routing`), the
node stops serving (``ERR UNAVAILABLE``) until all are back and
:meth:`resume` has made Redis agree again with what the node holds; what
it holds comes from its :class:`Holdings` (the registry).

The heartbeat goes on a link of its own: with ``--redis-replicas`` each
``WAIT`` blocks the commands link for up to half of ``--redis-timeout``
(:mod:`~chatroom.backends.redis.replicas`), and a heartbeat queued behind
``WAIT`` after ``WAIT`` let the node's key expire while it was alive, so
the others harvested its users. What a heartbeat finds to do (harvest a
dead node, settle rooms whose wait is over) goes on the commands link,
apart from the beats, which never wait for it.

A node whose heartbeat stopped is harvested only once it is gone: Redis
holds none of its connections, or it has been silent with one open for
``--stall-grace`` (:mod:`~chatroom.backends.redis.liveness`), so that a
node alive but starved of CPU keeps its users.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis import node_scripts
from chatroom.backends.redis.calls import NONE, RedisCalls
from chatroom.backends.redis.liveness import Liveness, client_name
from chatroom.backends.redis.resume_steps import Held, ResumeSteps
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import fresh_epoch
from chatroom.redisclient.addresses import RedisClusterAddress, SentinelAddress
from chatroom.redisclient.resp import reply_text
from chatroom.redisclient.sentinel_watch import SentinelWatch


def new_incarnation() -> str:
    """A new room's incarnation: random, so a room made again after Redis
    lost its data never looks like the one members last saw."""
    return secrets.token_hex(8)


class Holdings(Protocol):
    """What a node holds, which a resume must make Redis agree with."""

    def channels(self) -> list[bytes]:
        """Every channel the node needs subscribed."""
        ...

    def held(self) -> Held:
        """The users and rooms a resume makes Redis agree with."""
        ...

    def resumed(self, failed: list[bytes], rooms: list[list[Any]]) -> None:
        """Redis agrees again: users whose names were lost, and per room
        its incarnation and newest event."""

    def lost(self) -> None:
        """A link dropped: nothing shared can change until the resume."""

    async def tidy(
        self, stale: list[bytes], places: list[bytes], rooms: list[bytes]
    ) -> None:
        """After a resume: the sessions (u, token, ...) and places (``r u``)
        Redis had of this node that it no longer has are let go, and the
        rooms it named are settled (gone if empty, passed on if ownerless),
        as membership decides; with rooms apart, renames of rooms a node
        began and did not finish are finished (called after every resume
        there)."""

    async def harvest(self, node: str, own: bool, waits_until: int) -> bool:
        """Release every user of ``node`` (``own``: this one, leaving on
        purpose; else only if its heartbeat is gone), a bounded chunk at a
        time; rooms they leave empty wait for their members until
        ``waits_until`` (ms). Whether the node was forgotten (not if it
        came back, or another node is harvesting it)."""

    async def settle(self, rooms: list[str], due: int) -> None:
        """The rooms whose wait for their members is over at ``due`` (ms):
        each goes, or passes from an owner who did not come back."""


class ClusterNode:
    """Joins the cluster, keeps this node's heartbeat, and resumes after losses."""

    log = Logger()

    def __init__(
        self,
        config: ClusterConfig,
        calls: RedisCalls,
        clock: IReactorTime,
        holdings: Holdings,
        on_fatal: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.on_fatal = on_fatal
        self._started_at: float | None = None
        self.id = config.node_id
        self.calls = calls
        self.resume_steps = ResumeSteps(calls)
        self.holdings = holdings
        self.available = False
        #: Redis's data's epoch (Backend.store_epoch), read on every resume.
        self.epoch = ""
        self._registered = False
        self._resuming = False
        self._resume_again = False
        self._available_waiters: list[Deferred[None]] = []
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.clock = clock
        #: The beat in flight, if any (a departure waits for it).
        self._beating: Deferred[None] | None = None
        #: Whether a heartbeat's harvests and settling are under way.
        self._tending = False
        #: Judges the nodes whose heartbeat stopped: gone, or stalled.
        self.liveness = Liveness(
            calls, clock, config.prefix, config.node_ttl, config.stall_grace
        )
        # The others tell this node's process alive by these connections.
        calls.commands.client_name = calls.heartbeat.client_name = client_name(
            config.prefix, self.id
        )
        self._links = calls.links()
        calls.watch_links(self._link_up, self._link_down, self._connect_failed)
        calls.on_harvested = self.start_resume
        #: Behind Sentinel: a failover's news, so that the links leave a
        #: demoted primary at once (:mod:`.sentinel_watch`).
        self._sentinels = (
            SentinelWatch(clock, config.redis, self._primary_is)
            if isinstance(config.redis, SentinelAddress)
            else None
        )

    def start(self) -> None:
        self.log.info(
            "cluster node {node} using {redis}", node=self.id, redis=self.config.redis
        )
        if isinstance(self.config.redis, RedisClusterAddress):
            self._say_the_layout()
        self._started_at = self.clock.seconds()
        for link in self._links:
            link.startService()
        if self._sentinels is not None:
            self._sentinels.startService()
        self._heartbeat.start(self.config.node_ttl / 3, now=False)

    def _say_the_layout(self) -> None:
        """Whether this chat's rooms are spread over the cluster's primaries
        (:mod:`chatroom.wiring.clusterlayout` read it); a chat that keeps
        every key in one slot is told how to move, once per start."""
        if self.config.rooms_apart:
            self.log.info(
                "node {node}: rooms apart: each room's keys in a slot of its "
                "own, spread over the cluster's primaries",
                node=self.id,
            )
            return
        self.log.warn(
            "node {node}: rooms are not spread over the Redis Cluster's primaries: "
            "this chat keeps every key in one slot ({{chatroom}}:layout is "
            'one-slot); docs/operations.md, "On a Redis Cluster", says how to '
            "move",
            node=self.id,
        )

    def detach(self) -> Deferred[None]:
        """Leave the cluster on purpose: release every user here, then disconnect."""
        if self._heartbeat.running:
            self._heartbeat.stop()
        departing = defer.ensureDeferred(self._depart())
        departing.addErrback(self._departure_failed)
        departing.addCallback(
            lambda _: defer.gatherResults(
                [link.stopService() for link in self._links]
                + ([self._sentinels.stopService()] if self._sentinels else [])
            )
        )
        departing.addCallback(lambda _: None)
        return departing

    async def _depart(self) -> None:
        if self._beating is not None:
            # On its own link, a beat sent before the departure could
            # otherwise reach Redis after it, and register the node again.
            await self._beating
        if self.calls.commands.connection is None:
            return
        waits_until = self._ms(self.clock.seconds() + self.config.grace)
        await self.holdings.harvest(self.id, True, waits_until)

    def _departure_failed(self, failure: Any) -> None:
        if failure.check(ChatError):  # Redis is down: the others harvest us
            self.log.warn(
                "node {node} left without Redis; its TTL will tell the other nodes",
                node=self.id,
            )
        else:
            self.log.failure("leaving the cluster", failure)

    def when_available(self) -> Deferred[None]:
        """Fires once the node is in the cluster and serving (tests, tools)."""
        if self.available:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        self._available_waiters.append(waiter)
        return waiter

    # -- losing and regaining Redis ----------------------------------------------

    def _connect_failed(self, failure: Failure) -> None:
        """Nobody answers at Redis's address: at start, past ``--redis-timeout``,
        that is a configuration error, and the node stops (``on_fatal``).

        Once the node has been in the cluster, it keeps retrying instead, and
        serves ``UNAVAILABLE`` meanwhile. So does a Redis that answers but
        refuses us (a bad password or certificate): that is for its operator
        to see in the log, and the tests check it stays recoverable.
        """
        if self._registered or self._started_at is None:
            return
        if not failure.check(ConnectError, DNSLookupError):
            return
        if self.clock.seconds() - self._started_at < self.config.redis_timeout:
            return
        self._started_at = None  # say it once
        self.on_fatal(
            f"cannot reach Redis at {self.config.redis}: {failure.getErrorMessage()}"
        )

    def _primary_is(self, host: str, port: int) -> None:
        """The Sentinels name ``host:port`` the primary: a link connected
        elsewhere (to a demoted primary that still takes writes no replica
        will confirm) is dropped, and reconnects to the new one."""
        for link in (self.calls.commands, self.calls.subscriber, self.calls.heartbeat):
            link.leave_unless(host, port)

    def _link_up(self) -> None:
        if self.calls.connected():
            self.start_resume()

    def _link_down(self) -> None:
        if self.available:
            self.log.warn("node {node}: cluster unavailable", node=self.id)
        self.available = self.calls.serving = False
        self.holdings.lost()

    def start_resume(self) -> None:
        """Resume now, or once the resume under way has finished."""
        if self._resuming:
            self._resume_again = True
            return
        self._resuming = True
        resumed = defer.ensureDeferred(self._resume())
        resumed.addErrback(self._resume_failed)
        resumed.addBoth(self._resume_finished)

    def _resume_failed(self, failure: Any) -> None:
        if not failure.check(ChatError):
            self.log.failure("node {node}: resuming failed", failure, node=self.id)
        self.calls.commands.drop()  # reconnecting starts the next attempt

    def _resume_finished(self, result: None) -> None:
        self._resuming = False
        if self._resume_again:
            self._resume_again = False
            self._link_up()

    async def _resume(self) -> None:
        """Make Redis agree with this node again, then serve commands.

        Runs on start and after every lost connection: subscribes again to
        every channel this node needs, then re-registers the node, its
        users' names and their places in rooms, one slot a step
        (:class:`~.resume_steps.ResumeSteps`).
        """
        self.available = self.calls.serving = False
        for channel in self.holdings.channels():
            await self.calls.subscribe(channel)
        epoch = await self.calls.eval(
            node_scripts.EPOCH, {"epoch": fresh_epoch()}, always=True
        )
        self.epoch = reply_text(epoch)
        if self.config.search_db:  # the index hears of everything from now on
            await self.calls.eval(node_scripts.SEARCH_ON, NONE, always=True)
        head = {"node": self.id, "ttl": int(self.config.node_ttl * 1000)}
        head["now"] = self._ms(self.clock.seconds())
        resumed = await self.resume_steps.run(head, self.holdings.held())
        failed, rows, stale, places, named = resumed
        self.holdings.resumed(failed, rows)
        self._registered = True
        self.available = self.calls.serving = True
        waiters, self._available_waiters = self._available_waiters, []
        for waiter in waiters:
            waiter.callback(None)
        self.log.info("node {node}: in the cluster", node=self.id)
        if stale or places or named or self.calls.rooms_apart:
            tidying = defer.ensureDeferred(self.holdings.tidy(stale, places, named))
            tidying.addErrback(
                lambda failure: self.log.warn(
                    "node {node}: not tidied after resuming: {why}",
                    node=self.id,
                    why=failure.getErrorMessage(),
                )
            )

    # -- heartbeats ---------------------------------------------------------------

    @staticmethod
    def _ms(seconds: float) -> int:
        return int(seconds * 1000)

    def _beat(self) -> Deferred[None]:
        beating = self._beating = self._logged(self._beat_once(), "heartbeat")
        beating.addBoth(self._beaten)
        return beating

    def _beaten(self, result: None) -> None:
        self._beating = None

    def _logged(self, work: Coroutine[Any, Any, None], what: str) -> Deferred[None]:
        """``work`` run; its failure logged, unless Redis was unavailable
        (the link's reconnecting and the resume say so)."""
        running = defer.ensureDeferred(work)
        running.addErrback(
            lambda failure: (
                None if failure.check(ChatError) else self.log.failure(what, failure)
            )
        )
        return running

    async def _beat_once(self) -> None:
        if not self.available:
            return
        now = self.clock.seconds()
        beat = {"node": self.id, "ttl": self._ms(self.config.node_ttl)}
        beat.update(now=self._ms(now), chunk=node_scripts.HARVEST_CHUNK)
        beat["grace"] = self._ms(self.config.grace)
        fresh, expired, due, stalled = await self.calls.eval(
            node_scripts.HEARTBEAT, beat, link=self.calls.heartbeat
        )
        if (expired or due) and not self._tending:
            # Not awaited: behind WAITs on the commands link it may take
            # longer than --node-ttl, and the next beats must not wait.
            self._tending = True
            tending = self._logged(self._tend(expired, due, now), "harvesting")
            tending.addBoth(self._tended)
        if int(stalled):
            # Said here too, where the stall was: the others only waited.
            self.log.warn(
                "node {node}: its heartbeat lapsed (this node stalled); the "
                "others found its connections open and waited (--stall-grace)",
                node=self.id,
            )
        if fresh and self._registered:
            # Someone harvested us (we were too slow), or Redis lost its data.
            self.log.warn("node {node} was not registered; resuming", node=self.id)
            self.start_resume()

    async def _tend(self, expired: list[bytes], due: list[bytes], now: float) -> None:
        """What a heartbeat found: the ``expired`` nodes harvested if they
        are gone (:class:`~.liveness.Liveness`), the rooms ``due`` settled
        (on the commands link)."""
        gone = await self.liveness.gone([node.decode() for node in expired])
        for node, why in gone.items():
            waits_until = self._ms(now + self.config.grace)
            if await self.holdings.harvest(node, False, waits_until):
                self.log.warn("harvested node {node}: {why}", node=node, why=why)
        if due:
            await self.holdings.settle([key.decode() for key in due], self._ms(now))

    def _tended(self, result: None) -> None:
        self._tending = False
