"""Every call routed by its slot, over a Redis Cluster of several primaries.

With each room in a slot of its own (``ClusterConfig.rooms_apart``) a
cluster of several primaries serves a room's keys and channel wherever the
room's slot is, and each script keeps to one slot (docs/scaling.md,
"Rooms spread over a Redis Cluster's shards"). So, on a Redis Cluster in
that layout, :class:`RoutedCalls` runs:

- a script on one room's keys (``Script(room_at=N)``) on the primary
  serving the slot of the key it declares (:func:`~.calls.slot_key`),
  through :class:`~chatroom.redisclient.shards.ShardLinks` (one commands
  link per primary, the map kept, ``MOVED``/``ASK`` and a failover
  followed);
- everything else as before, on the node's links to the server slot's
  primary (:class:`~chatroom.redisclient.link.ClusterEndpoint`): the
  scripts on the server's keys, the heartbeat and the census's ``HSET``
  (on the heartbeat link), and the plain commands (``HVALS``), which all
  read or write the server's keys alone; but ``WAIT``
  goes on the connection that wrote what it confirms (a room's shard's
  link: :mod:`.replicas`), and a backup scans every primary's link and
  reads each key on its slot's primary (:mod:`.dumpfile`);
- every channel on a subscriber link per primary
  (:class:`~chatroom.redisclient.shard_subscribers.ShardSubscribers`,
  following the map): a room's (``SSUBSCRIBE``) on its slot's primary's,
  the server's (the node's own, the watchers') on the server slot's
  primary's (so that, where a room and the server share a primary, their
  events come on one connection in the order they were published, as on
  one Redis), and the lobby's changes (a plain ``PUBLISH`` from any room's
  script) on every primary's.

:meth:`RoutedCalls.call` waits for the subscriber link of the shard that
ran the script (a ``PING`` there, :class:`~chatroom.redisclient.caught_up.CaughtUp`);
``calls.caught_up`` (the room list's news, tests) for every one. Each shard
is a Redis of its own to the deadlines: a call routed to a shard is given
more time while that shard is heard from (any read on the node's commands
or subscriber link to it,
:meth:`~chatroom.redisclient.shards.ShardLinks.hearing_of`), as a call to
one Redis is, so a busy shard is not taken for a dead one; a shard silent
for the timeout is found though the others answer. A lost link,
any of them, makes the node resume as before (:class:`~.node.ClusterNode`:
its channels subscribed again where the map says, then the resume's steps,
each on its own slot's primary, catching each room up from its log); so
does a slot that moved: Redis ends its channels' subscriptions on the old
primary (``sunsubscribe``), which drops that link, and the map is asked
again.

One Redis, Sentinel's, and a cluster in the one-slot layout keep
:class:`~.calls.RedisCalls`, chosen once (:func:`redis_calls`): their calls
go as before, with one method call more where a call waits for a ``PING``
(:meth:`~.calls.RedisCalls.caught_up_after`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

import txredisapi
from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from chatroom.backends.redis.calls import (
    Operands,
    RedisCalls,
    by_text,
    first_call,
    not_the_primary,
    script_arguments,
    slot_key,
    unknown_script,
)
from chatroom.backends.redis.prelude import Script
from chatroom.core.model import errors
from chatroom.core.model.config import ClusterConfig, rooms_tag
from chatroom.core.model.metrics import REDIS_SECONDS
from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.deadlines import CallDeadlines, Hearing, PendingCall
from chatroom.redisclient.link import RedisLink, Written
from chatroom.redisclient.shard_subscribers import EveryLink, ShardSubscribers
from chatroom.redisclient.shards import ShardLinks, ShardUnavailableError
from chatroom.redisclient.slots import key_slot


def redis_calls(
    cluster: ClusterConfig,
    commands: RedisLink,
    subscriber: RedisLink,
    heartbeat: RedisLink,
    clock: Any,
) -> RedisCalls:
    """The node's calls: routed by slot on a Redis Cluster with rooms apart,
    else on its three links alone (decided once, here)."""
    if cluster.rooms_apart and isinstance(cluster.redis, RedisClusterAddress):
        # One timer for the deadlines of every call: the node's links' and
        # the shards' (in the time the node listened:
        # :mod:`~chatroom.redisclient.deadlines`).
        deadlines = CallDeadlines(clock, cluster.redis_timeout)
        shards = ShardLinks(clock, cluster.redis, "redis rooms", deadlines=deadlines)
        return RoutedCalls(
            commands,
            subscriber,
            heartbeat,
            shards,
            ShardSubscribers(clock, shards, cluster.subscriber_hold),
            cluster.prefix,
            clock,
        )
    return RedisCalls(
        commands,
        subscriber,
        heartbeat,
        cluster.prefix,
        cluster.redis_timeout,
        clock,
        cluster.rooms_apart,
    )


class RoutedCalls(RedisCalls):
    """:class:`~.calls.RedisCalls` with a room's scripts on its slot's
    primary, and every channel subscribed on the subscriber link to its
    slot's primary (see the module's docstring). The ``subscriber`` link
    given is not used: the server's channels go on the link to the server
    slot's primary among :class:`ShardSubscribers`' (one connection per
    primary, so that a server's script's events on the node's channel and
    a room's on the room's come in the order they were published where
    both are on one primary, as on one Redis)."""

    def __init__(
        self,
        commands: RedisLink,
        subscriber: RedisLink,
        heartbeat: RedisLink,
        shards: ShardLinks,
        subscribers: ShardSubscribers,
        prefix: str,
        clock: IReactorTime,
    ) -> None:
        super().__init__(
            commands,
            subscriber,
            heartbeat,
            prefix,
            shards.timeout,
            clock,
            rooms_apart=True,
            deadlines=shards.deadlines,
        )
        self.shards = shards
        self.subscribers = subscribers
        self.caught_up = EveryLink(subscribers)
        # A call is not judged late while replies wait unread on a link
        # that carries calls: a shard's commands link too.
        self.deadlines.answering = lambda: (
            commands.unread() or heartbeat.unread() or shards.unread()
        )
        #: The server's keys' slot (``{chatroom}``).
        self.server_slot = key_slot(prefix)
        #: How a room's channel begins (``ClusterConfig.room_channel``).
        self._room_channels = rooms_tag(prefix).encode()

    async def eval(
        self,
        script: Script,
        operands: Operands,
        *,
        always: bool = False,
        link: RedisLink | None = None,
        written: Written | None = None,
    ) -> Any:
        """A room's script on its slot's primary; any other as before."""
        if link is not None or script.room_at is None:
            return await super().eval(
                script, operands, always=always, link=link, written=written
            )
        if not (self.serving or always):
            raise errors.unavailable()
        script = script.rooms_apart
        full_args = script_arguments(self.prefix, operands)
        key = slot_key(self.prefix, True, script, operands)
        started = time.perf_counter()
        slot = key_slot(key)
        # One deadline for EVALSHA and EVAL, listening to the primary they
        # go to (a busy shard's call waits while it answers).
        watch = self.deadlines.watch(Deferred())
        running = defer.ensureDeferred(
            self._on_shard(slot, script, key, full_args, written, watch)
        )
        watch.running = running
        try:
            reply = await running
        except defer.CancelledError:
            if not watch.timed_out:
                raise  # the caller gave up, not Redis
            self.log.warn("Redis did not answer {what} in time", what=script.name)
            # Its reply, if it comes, must not be taken for the next one's.
            link = self.shards.link_for(slot)
            if link is not None:
                link.drop()
            raise errors.unavailable() from None
        except ShardUnavailableError as why:
            self.log.warn("{what}: {why}", what=script.name, why=str(why))
            raise errors.unavailable() from None
        except txredisapi.ResponseError as refusal:
            if not not_the_primary(refusal):
                raise
            # A key of the slot not there: the slot is being migrated (a
            # key not yet created), or the map is stale. Asked again; the
            # user tries again.
            self.log.warn("{what}: {why}", what=script.name, why=str(refusal))
            self.shards.refresh()
            raise errors.unavailable() from None
        finally:
            self.deadlines.done(watch)
        REDIS_SECONDS.observe(time.perf_counter() - started)
        return reply

    async def _on_shard(
        self,
        slot: int,
        script: Script,
        key: str,
        args: tuple[Any, ...],
        written: Written | None,
        watch: PendingCall,
    ) -> Any:
        """``script`` by its SHA1 or its function's name on ``slot``'s
        primary, by its text if that primary does not know it yet (new, or
        a promoted replica: a function's library loaded there, and called
        again; a node importing the slot, which ``ASK`` sends the call to,
        is sent the script's text), under ``watch``."""
        try:
            return await self.shards.execute(
                slot,
                *first_call(script, key, args, self.functions),
                written=written,
                also=watch,
            )
        except txredisapi.ResponseError as refusal:
            if not unknown_script(refusal, script):
                raise
        execute = partial(self.shards.execute, slot, written=written, also=watch)
        functions, without = self.functions, self._without_functions
        return await by_text(execute, script, key, args, functions, without)

    def scanners(self) -> list[Callable[..., Coroutine[Any, Any, Any]]]:
        """A command on each primary's link (the rooms' keys are on all of
        them); ``UNAVAILABLE`` while one has none (a backup would miss its
        keys)."""
        links = self.shards.links()
        primaries = [links.get(node) for node in self.shards.primaries()]
        if not primaries or any(link is None for link in primaries):
            raise errors.unavailable()
        return [partial(self.command, link=link) for link in primaries]

    async def keyed(self, *args: Any) -> Any:
        """On the primary serving the key's slot (``MOVED``, ``ASK`` and a
        failover followed, as a room's script)."""
        try:
            return await self.shards.execute(key_slot(args[1]), *args)
        except ShardUnavailableError as why:
            self.log.warn("{what}: {why}", what=args[0], why=str(why))
            raise errors.unavailable() from None

    def caught_up_after(self, script: Script, operands: Operands) -> Deferred[None]:
        """A script's events come on its shard's subscriber link."""
        return self.subscribers.caught_up(self._events_slot(script, operands))

    def hearing_after(self, script: Script, operands: Operands) -> Hearing:
        """The reads from the primary whose subscriber link hears the
        script's events (a fresh count, never heard, while the map names
        none)."""
        slot = self._events_slot(script, operands)
        node = None if self.shards.map is None else self.shards.map.primary_of(slot)
        return Hearing() if node is None else self.shards.hearing_of(node)

    def _events_slot(self, script: Script, operands: Operands) -> int:
        """The slot whose channel carries ``script``'s events (run with
        ``operands``): its room's, or the server's for a server's script."""
        if script.room_at is None:
            return self.server_slot
        return key_slot(slot_key(self.prefix, True, script, operands))

    def _slot_of(self, channel: bytes) -> int:
        """A room's channel's slot, or the server's for the others."""
        if channel.startswith(self._room_channels):
            return key_slot(channel)
        return self.server_slot

    async def subscribe(self, channel: bytes) -> None:
        try:
            if channel in self.broadcast:
                await self.subscribers.subscribe_everywhere(channel)
            else:
                await self.subscribers.subscribe(channel, self._slot_of(channel))
        except ShardUnavailableError:
            raise errors.unavailable() from None

    def unsubscribe(self, channel: bytes) -> None:
        if channel in self.broadcast:
            self.subscribers.unsubscribe_everywhere(channel)
        else:
            self.subscribers.unsubscribe(channel, self._slot_of(channel))

    def links(self) -> list[Service]:
        # The subscribers before the shards: the first map opens theirs too.
        return [self.commands, self.heartbeat, self.subscribers, self.shards]

    def connected(self) -> bool:
        return (
            self.commands.connection is not None
            and self.heartbeat.connection is not None
            and self.subscribers.connected()
            and all(
                (link := self.shards.links().get(node)) is not None
                and link.connection is not None
                for node in self.shards.primaries()
            )
        )

    def watch_links(
        self,
        up: Callable[[], None],
        down: Callable[[], None],
        connect_failed: Callable[[Failure], None],
    ) -> None:
        for link in (self.commands, self.heartbeat):
            link.on_up = up
            link.on_down = down
            link.on_connect_failed = connect_failed
        self.shards.on_up = self.subscribers.on_up = up
        self.shards.on_down = self.subscribers.on_down = down

        def relinked() -> None:
            # A replaced primary's links stopped, the others all serving:
            # no link comes up, and the node would wait for one forever.
            if not self.serving:
                up()

        self.subscribers.on_relinked = relinked

    def listen(self, on_message: Callable[[bytes, bytes], object]) -> None:
        self.subscribers.on_message = on_message
