"""One server process in a cluster: names and rooms in Redis, fan-out local.

A :class:`ClusterServer` is a :class:`chatroom.server.ChatServer` whose
names and rooms live in Redis (see :mod:`chatroom.cluster.scripts`). It
keeps the per-node parts local: connection counts, and one
:class:`LocalRoom` per room that has members on this node. A room's events
arrive once per node on the room's channel and are written from there to
the node's own members; a node subscribes to a room's channel only while it
has members there.

Two connections to Redis: one for commands (scripts), one subscribed to
channels. When either drops, the node stops serving commands that need
Redis (``ERR UNAVAILABLE``) until both are back and :meth:`_resume` has made
Redis agree with what the node holds again.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import txredisapi
from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.cluster import scripts
from chatroom.cluster.redis import RedisAddress, RedisLink
from chatroom.cluster.scripts import Script
from chatroom.server import ChatError, ChatServer, ServerConfig
from chatroom.text import is_valid_name, name_key
from chatroom.wire import format_line

if TYPE_CHECKING:
    from chatroom.cluster.protocol import ClusterProtocol

#: Events a node keeps per room, to hand to a member whose join (or leave)
#: was answered after some of the room's later events had already arrived.
RECENT_EVENTS = 1024

UNAVAILABLE = (
    "the chat cluster is unreachable (its Redis is down); try again in a moment"
)
MAYBE_MISSED = "messages may have been missed: this server lost touch with the cluster"
ROOM_LOST = "this room was lost while this server was out of touch with the cluster"
NAME_LOST = "your name was given to someone else while this server was out of touch"


def unavailable() -> ChatError:
    return ChatError("UNAVAILABLE", UNAVAILABLE)


def new_incarnation() -> str:
    """A new room's incarnation: random, so a room made again after Redis
    lost its data never looks like the one members last saw."""
    return secrets.token_hex(8)


def listing_line(row: list[Any]) -> bytes:
    """A room's ``ROOM`` line from a row of the LISTING script."""
    _key, name, members, capacity, topic, _created = row
    return format_line(
        "ROOM", name.decode(), str(members), capacity.decode(), text=topic.decode()
    )


#: The refusal of a script that acts only for members of the room.
MEMBERS_ONLY: dict[bytes, Callable[[Any], ChatError]] = {
    b"NOT_IN_ROOM": lambda reply: ChatError("NOT_IN_ROOM", "you are in no room")
}


def no_such_room(name: str) -> ChatError:
    return ChatError("NO_SUCH_ROOM", f"there is no room called {name}")


@dataclass(frozen=True)
class ClusterConfig:
    """How a node finds and identifies itself to the cluster."""

    redis: RedisAddress
    node_id: str
    node_ttl: float = 15.0  # a node silent this long is harvested by the others
    redis_timeout: float = 5.0  # a Redis reply slower than this counts as down
    prefix: str = "chatroom:"


class LocalRoom:
    """This node's part of one room: its local members and the room's events.

    Every member has a *since*: the sequence number of the room's state it
    was shown on joining (its welcome). Events arrive in sequence order and
    each member gets only those after its *since*, so a joiner neither
    misses nor repeats anything around its join, although the join's reply
    and the room's events come over different connections to Redis.
    """

    def __init__(self, key: str, name: str, channel: bytes) -> None:
        self.key = key
        self.name = name
        self.channel = channel
        self.members: dict[ClusterProtocol, int] = {}
        self.seq = 0  # the newest event received
        self.incarnation = ""  # changes if the room is created anew
        self.recent: deque[tuple[int, bytes]] = deque(maxlen=RECENT_EVENTS)
        self.entering = 0  # joins and creates still waiting for Redis
        self.subscribed = False
        self.gone = False
        self.farewell = b""  # what members were told when it went
        self._subscribers: list[Deferred[None]] = []

    def __repr__(self) -> str:
        return f"<LocalRoom {self.name!r} local members={len(self.members)}>"

    @property
    def idle(self) -> bool:
        return not self.members and not self.entering

    def deliver(self, seq: int, data: bytes) -> None:
        """One event from the room's channel, to every member that should see it."""
        if seq <= self.seq:
            return  # older than what a resume already accounted for
        self.seq = seq
        self.recent.append((seq, data))
        for member, since in self.members.items():
            if seq > since:
                member.send(data)

    def attach(self, member: ClusterProtocol, since: int) -> None:
        """Start delivering to ``member`` the events after ``since``."""
        self.replay(member, since)
        self.members[member] = since

    def detach(self, member: ClusterProtocol) -> int:
        """Stop delivering to ``member``; return the last event it was sent."""
        since = self.members.pop(member, self.seq)
        return max(since, self.seq)

    def replay(self, member: ClusterProtocol, after: int, before: int = 0) -> None:
        """Send ``member`` the received events after ``after`` (and before
        ``before``, if given), noting if some already fell out of ``recent``."""
        last = self.seq if not before else min(self.seq, before - 1)
        if last <= after:
            return
        events = [
            data
            for seq, data in self.recent
            if after < seq and (not before or seq < before)
        ]
        if not self.recent or self.recent[0][0] > after + 1:
            member.send(format_line("NOTICE", self.name, text=MAYBE_MISSED))
        member.send(b"".join(events))

    def when_subscribed(self) -> Deferred[None]:
        if self.subscribed:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        self._subscribers.append(waiter)
        return waiter

    def subscription_done(self, error: ChatError | None) -> None:
        self.subscribed = error is None
        waiters, self._subscribers = self._subscribers, []
        for waiter in waiters:
            if error is None:
                waiter.callback(None)
            else:
                waiter.errback(error)


class ClusterServer(ChatServer):
    """A node of the cluster: the shared registries in Redis, fan-out local."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        cluster: ClusterConfig,
        commands: RedisLink,
        subscriber: RedisLink,
    ) -> None:
        self.cluster = cluster
        self.node = cluster.node_id
        self.commands = commands
        self.subscriber = subscriber
        self.available = False
        self.sessions: dict[str, ClusterProtocol] = {}  # token → named connection
        self.local_rooms: dict[str, LocalRoom] = {}
        self._by_channel: dict[bytes, LocalRoom] = {}
        prefix = cluster.prefix
        self._node_channel = f"{prefix}node:{self.node}".encode()
        self._lobby_channel = f"{prefix}lobby".encode()
        self._lobby_subscribed = False
        self._next_connection = itertools.count(1)
        self._resuming = False
        self._resume_again = False
        self._registered = False
        self._available_waiters: list[Deferred[None]] = []
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.clock = clock
        super().__init__(config, clock)
        commands.on_up = subscriber.on_up = self._link_up
        commands.on_down = subscriber.on_down = self._link_down
        subscriber.on_message = self._on_message

    def _add_permanent_rooms(self) -> None:
        """Permanent rooms live in Redis; :meth:`_resume` makes sure they exist."""

    def new_token(self) -> str:
        """A session token, unique in the cluster: ``node:number``."""
        return f"{self.node}:{next(self._next_connection)}"

    # -- life of the node -------------------------------------------------------

    def start(self) -> None:
        self.log.info(
            "cluster node {node} using {redis}",
            node=self.node,
            redis=self.cluster.redis,
        )
        self.commands.startService()
        self.subscriber.startService()
        self._heartbeat.start(self.cluster.node_ttl / 3, now=False)

    def detach(self) -> Deferred[None]:
        """Leave the cluster on purpose: release every user here, then disconnect."""
        if self._heartbeat.running:
            self._heartbeat.stop()
        departing = defer.ensureDeferred(self._depart())
        departing.addErrback(self._departure_failed)
        departing.addCallback(lambda _: self.subscriber.stopService())
        departing.addCallback(lambda _: self.commands.stopService())
        return departing

    def _departure_failed(self, failure: Any) -> None:
        if failure.check(ChatError):  # Redis is down: the others harvest us
            self.log.warn(
                "node {node} left without Redis; its TTL will tell the other nodes",
                node=self.node,
            )
        else:
            self.log.failure("leaving the cluster", failure)

    async def _depart(self) -> None:
        if self.commands.connection is None:
            return
        await self._eval(
            scripts.DEPART, self.node, f"server {self.node} shut down", always=True
        )

    def when_available(self) -> Deferred[None]:
        """Fires once the node is in the cluster and serving (tests, tools)."""
        if self.available:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        self._available_waiters.append(waiter)
        return waiter

    def _link_up(self) -> None:
        if self.commands.connection and self.subscriber.connection:
            self._start_resume()

    def _link_down(self) -> None:
        if self.available:
            self.log.warn("node {node}: cluster unavailable", node=self.node)
        self.available = False
        self._lobby_subscribed = False
        for room in self.local_rooms.values():
            room.subscription_done(unavailable())

    def _start_resume(self) -> None:
        if self._resuming:
            self._resume_again = True
            return
        self._resuming = True
        resumed = defer.ensureDeferred(self._resume())
        resumed.addErrback(self._resume_failed)
        resumed.addBoth(self._resume_finished)

    def _resume_failed(self, failure: Any) -> None:
        if not failure.check(ChatError):
            self.log.failure("node {node}: resuming failed", failure, node=self.node)
        self.commands.drop()  # reconnecting starts the next attempt

    def _resume_finished(self, result: None) -> None:
        self._resuming = False
        if self._resume_again:
            self._resume_again = False
            self._link_up()

    async def _resume(self) -> None:
        """Make Redis agree with this node again, then serve commands.

        Runs on start and after every lost connection: subscribes again to
        every channel this node needs, then one script re-registers the
        node, its users' names and their places in rooms. Users whose name
        someone else took meanwhile are disconnected; members of rooms whose
        events may have been missed are told so.
        """
        self.available = False
        await self._subscribe(self._node_channel)
        if self._watchers:
            await self._subscribe(self._lobby_channel)
            self._lobby_subscribed = True
        for room in list(self.local_rooms.values()):
            await self._subscribe(room.channel)
        users = [c for c in self.sessions.values() if c.name is not None]
        args: list[Any] = [
            self.node,
            int(self.cluster.node_ttl * 1000),
            "connection lost",  # for users this node no longer has
            len(users),
        ]
        for user in users:
            assert user.name is not None
            room_key = user.room.key if user.room is not None else ""
            args += [name_key(user.name), user.token, user.name, room_key]
        permanent = {name_key(name): name for name in self.config.rooms}
        wanted = {key: (name, "1") for key, name in permanent.items()}
        for room in self.local_rooms.values():
            wanted.setdefault(room.key, (room.name, "0"))
        for key, (name, is_permanent) in wanted.items():
            args += [
                key,
                name,
                is_permanent,
                self.config.room_capacity,
                new_incarnation(),
            ]
        failed, rows = await self._eval(scripts.RESUME, *args, always=True)
        for token in failed:
            user = self.sessions.get(token.decode())
            if user is not None:
                user.close(NAME_LOST, room_reason="name lost")
        for key, incarnation, seq in rows:
            room = self.local_rooms.get(key.decode())
            if room is not None:
                self._resynced(room, incarnation, seq)
        self._registered = True
        self.available = True
        for room in self.local_rooms.values():
            room.subscription_done(None)
        waiters, self._available_waiters = self._available_waiters, []
        for waiter in waiters:
            waiter.callback(None)
        self.log.info(
            "node {node}: in the cluster ({users} users here)",
            node=self.node,
            users=len(users),
        )

    def _resynced(
        self, room: LocalRoom, incarnation: bytes | None, seq: bytes | None
    ) -> None:
        """After a resume: tell a room's members what they may have missed."""
        if incarnation is None or seq is None:
            self._room_vanished(room)
            return
        incarnation_text, seq_number = incarnation.decode(), int(seq)
        self.log.info(
            "room {room}: event {old} of {old_incarnation} before, "
            "{new} of {new_incarnation} now",
            room=room.name,
            old=room.seq,
            old_incarnation=room.incarnation,
            new=seq_number,
            new_incarnation=incarnation_text,
        )
        if (incarnation_text, seq_number) != (room.incarnation, room.seq):
            notice = format_line("NOTICE", room.name, text=MAYBE_MISSED)
            for member in room.members:
                member.send(notice)
        room.incarnation, room.seq = incarnation_text, seq_number
        room.recent.clear()
        for member in room.members:
            room.members[member] = seq_number

    def _room_vanished(self, room: LocalRoom) -> None:
        notice = format_line("NOTICE", room.name, text=ROOM_LOST)
        self._send_to_lobby(room, notice + format_line("LEFT", room.name))

    def _beat(self) -> Deferred[None]:
        beating = defer.ensureDeferred(self._beat_once())
        beating.addErrback(
            lambda failure: (
                None
                if failure.check(ChatError)
                else self.log.failure("heartbeat", failure)
            )
        )
        return beating

    async def _beat_once(self) -> None:
        if not self.available:
            return
        fresh, harvested = await self._eval(
            scripts.HEARTBEAT, self.node, int(self.cluster.node_ttl * 1000)
        )
        for node in harvested:
            self.log.warn(
                "harvested node {node}: its heartbeat stopped", node=node.decode()
            )
        if fresh and self._registered:
            # Someone harvested us (we were too slow), or Redis lost its data.
            self.log.warn("node {node} was not registered; resuming", node=self.node)
            self._start_resume()

    # -- talking to Redis -------------------------------------------------------

    async def _eval(self, script: Script, *args: Any, always: bool = False) -> Any:
        """Run one script; ``ChatError("UNAVAILABLE")`` if Redis cannot answer.

        ``always``: run even before the node has resumed (for the resume).
        """
        connection = self.commands.connection
        if connection is None or not (self.available or always):
            raise unavailable()
        args = (self.cluster.prefix, *args)
        try:
            running = connection.evalsha(script.sha, args=args)
            running.addErrback(self._load_script, connection, script, args)
            running.addTimeout(self.cluster.redis_timeout, self.clock)
            return await running
        except defer.TimeoutError:
            self.log.warn("Redis did not answer {script} in time", script=script.name)
            self.commands.drop()
            raise unavailable() from None
        except txredisapi.ConnectionError:
            raise unavailable() from None

    @staticmethod
    def _load_script(
        failure: Any, connection: Any, script: Script, args: tuple[Any, ...]
    ) -> Any:
        """``NOSCRIPT``: Redis does not know the script yet; send its source."""
        failure.trap(txredisapi.ScriptDoesNotExist)
        return connection.eval(script.source, args=args)

    async def _subscribe(self, channel: bytes) -> None:
        connection = self.subscriber.connection
        if connection is None:
            raise unavailable()
        try:
            subscribing = connection.subscribe([channel])
            subscribing.addTimeout(self.cluster.redis_timeout, self.clock)
            await subscribing
        except (defer.TimeoutError, txredisapi.ConnectionError):
            self.subscriber.drop()
            raise unavailable() from None

    def _unsubscribe(self, channel: bytes) -> None:
        connection = self.subscriber.connection
        if connection is not None:
            connection.unsubscribe([channel]).addErrback(lambda failure: None)

    def _on_message(self, channel: bytes, message: bytes) -> None:
        """One message from a subscribed channel."""
        room = self._by_channel.get(channel)
        if room is not None:
            seq_text, _, data = message.partition(b" ")
            seq = int(seq_text)
            if data.startswith(b"DELETED "):
                self._room_deleted(room, seq, data)
            else:
                room.deliver(seq, data)
        elif channel == self._node_channel:
            number, _, data = message.partition(b" ")
            user = self.sessions.get(f"{self.node}:{number.decode()}")
            if user is not None:
                user.send(data)
        elif channel == self._lobby_channel:
            self._lobby_changed(message.decode())

    def _check(
        self, reply: Any, errors: dict[bytes, Callable[[Any], ChatError]]
    ) -> Any:
        """Turn a script's refusal (its status, or a list's first element)
        into a ChatError; return the reply otherwise."""
        status = reply[0] if isinstance(reply, list) else reply
        if status in (b"OK", b"IN_ROOM"):
            return reply
        if status == b"GONE":
            # Redis no longer knows this session: we were harvested.
            self._start_resume()
            raise unavailable()
        refusal = errors.get(status)
        if refusal is None:
            raise RuntimeError(f"unexpected reply from Redis: {reply!r}")
        raise refusal(reply)

    # -- names --------------------------------------------------------------

    async def register_name(self, connection: ClusterProtocol, name: str) -> bool:
        """Claim ``name`` cluster-wide; True if the connection is in a room
        (its room hears ``NICK`` from Redis)."""
        if not is_valid_name(name):
            raise ChatError(
                "BAD_NAME", "names are 1-32 letters, digits, '_', '-' or '.'"
            )
        old = name_key(connection.name) if connection.name is not None else ""
        key = name_key(name)
        connection.claiming = key
        try:
            reply = await self._eval(scripts.CLAIM, key, connection.token, name, old)
        finally:
            connection.claiming = None
        self._check(
            reply,
            {
                b"TAKEN": lambda r: ChatError(
                    "NAME_TAKEN", f"{name} is taken, choose another name"
                )
            },
        )
        if connection in self.connections:
            self.sessions[connection.token] = connection
        return reply[0] == b"IN_ROOM"

    def _release(self, connection: ClusterProtocol, reason: str) -> None:  # type: ignore[override]
        """A connection is gone: free its place and name in the cluster.

        Not awaited: nobody is waiting for the answer. If Redis is down, the
        next resume releases whatever this node no longer holds.
        """
        room = connection.room
        if room is not None:
            connection.room = None
            room.detach(connection)
            self._forget_if_idle(room)
        self.sessions.pop(connection.token, None)
        if self.shutting_down or not self.available:
            return
        for key in {
            name_key(connection.name) if connection.name else None,
            connection.claiming,
        }:
            if key:
                releasing = defer.ensureDeferred(
                    self._eval(scripts.RELEASE, key, connection.token, reason)
                )
                releasing.addErrback(lambda failure: None)

    async def private_message(
        self, sender: ClusterProtocol, target: str, stamp: str, text: str
    ) -> None:
        """Send ``PRIVMSG`` to ``target`` on whichever node it is."""
        assert sender.name is not None
        reply = self._check(
            await self._eval(
                scripts.PRIVMSG, name_key(target), sender.name, stamp, text
            ),
            {
                b"NO_SUCH_USER": lambda r: ChatError(
                    "NO_SUCH_USER", f"nobody is called {target}"
                )
            },
        )
        if reply[2].decode() != sender.token:
            sender.send(reply[1])

    # -- rooms --------------------------------------------------------------

    async def room_listing(self, keys: Iterable[str] = ()) -> list[list[Any]]:
        """Rows of the LISTING script for ``keys`` (every room if none)."""
        return await self._eval(scripts.LISTING, *(list(keys) or [""]))

    async def room_list(self) -> bytes:  # type: ignore[override]
        """``ROOMS n`` and a ``ROOM`` line per room in the cluster, oldest first."""
        rows = sorted(await self.room_listing(), key=lambda row: int(row[5]))
        lines = [format_line("ROOMS", str(len(rows)))]
        lines.extend(listing_line(row) for row in rows)
        return b"".join(lines)

    def _local_room(self, key: str, name: str) -> LocalRoom:
        room = self.local_rooms.get(key)
        if room is None:
            channel = f"{self.cluster.prefix}chan:{key}".encode()
            room = LocalRoom(key, name, channel)
            self.local_rooms[key] = room
            self._by_channel[channel] = room
            subscribing = defer.ensureDeferred(self._subscribe(channel))
            subscribing.addCallbacks(
                lambda _: room.subscription_done(None),
                lambda failure: room.subscription_done(unavailable()),
            )
        return room

    def _forget_if_idle(self, room: LocalRoom) -> None:
        if room.idle and self.local_rooms.get(room.key) is room:
            del self.local_rooms[room.key]
            del self._by_channel[room.channel]
            self._unsubscribe(room.channel)

    async def create_room_for(self, connection: ClusterProtocol, name: str) -> None:
        """``/create``: make the room cluster-wide and put ``connection`` in it."""
        if not is_valid_name(name):
            raise ChatError(
                "BAD_NAME", "room names are 1-32 letters, digits, '_', '-' or '.'"
            )
        assert connection.name is not None
        key = name_key(name)
        await self._enter(
            connection,
            key,
            name,
            scripts.CREATE,
            [
                key,
                name,
                name_key(connection.name),
                connection.token,
                self.config.max_rooms,
                self.config.room_capacity,
                new_incarnation(),
            ],
        )

    async def join_room(self, connection: ClusterProtocol, name: str) -> None:
        """``/join``: enter an existing room (leaving the current one)."""
        key = name_key(name)
        if connection.room is not None and connection.room.key == key:
            raise ChatError(
                "ALREADY_IN_ROOM", f"you are already in {connection.room.name}"
            )
        assert connection.name is not None
        await self._enter(
            connection,
            key,
            name,
            scripts.JOIN,
            [key, name_key(connection.name), connection.token],
        )

    async def _enter(
        self,
        connection: ClusterProtocol,
        key: str,
        name: str,
        script: Script,
        args: list[Any],
    ) -> None:
        """Enter room ``key`` by ``script`` (create or join), leaving the old one.

        The node subscribes to the room's channel before the script runs, so
        no event after the joiner's welcome can be missed. The joiner stops
        receiving its old room's events while the script runs; events that
        came meanwhile from before its PART are replayed afterwards.
        """
        assert connection.name is not None
        if not self.available:  # don't wait for a subscription that can't come
            raise unavailable()
        room = self._local_room(key, name)
        room.entering += 1
        try:
            await room.when_subscribed()
            old = connection.room
            last_seen = old.detach(connection) if old is not None else 0
            try:
                reply = self._check(
                    await self._eval(script, *args),
                    {
                        b"NO_SUCH_ROOM": lambda r: no_such_room(name),
                        b"ALREADY_IN_ROOM": lambda r: ChatError(
                            "ALREADY_IN_ROOM", f"you are already in {r[1].decode()}"
                        ),
                        b"ROOM_FULL": lambda r: ChatError(
                            "ROOM_FULL", f"{r[1].decode()} is full ({r[2].decode()})"
                        ),
                        b"ROOM_EXISTS": lambda r: ChatError(
                            "ROOM_EXISTS", f"{r[1].decode()} already exists; /join it"
                        ),
                        b"TOO_MANY_ROOMS": lambda r: ChatError(
                            "TOO_MANY_ROOMS",
                            "the cluster has its maximum of "
                            f"{self.config.max_rooms} rooms",
                        ),
                    },
                )
            except BaseException:
                if old is not None and connection in self.connections:
                    old.attach(connection, last_seen)
                raise
            (
                _,
                room_name,
                seq,
                capacity,
                incarnation,
                topic,
                topic_by,
                old_name,
                part_seq,
                members,
                history,
            ) = reply
            if connection not in self.connections:
                return  # gone meanwhile; its release follows this script in Redis
            if old is not None:
                if int(part_seq):  # else Redis had it in no room: nothing to add
                    old.replay(connection, last_seen, before=int(part_seq))
                self._forget_if_idle(old)
                connection.send(format_line("LEFT", old_name.decode() or old.name))
            room.name = room_name.decode()
            if not room.incarnation:
                room.incarnation = incarnation.decode()
            welcome = [
                format_line("JOINED", room.name, str(len(members)), capacity.decode()),
                format_line("MEMBERS", room.name, *(m.decode() for m in members)),
                *history,
            ]
            if topic:
                welcome.append(
                    format_line(
                        "TOPIC", room.name, topic_by.decode(), text=topic.decode()
                    )
                )
            connection.send(b"".join(welcome))
            connection.entered(room)
            room.attach(connection, int(seq))
            if room.gone:  # deleted while our join was being answered
                self._send_to_lobby(room, room.farewell)
            self.log.info("{user} joined {room}", user=connection.name, room=room.name)
        finally:
            room.entering -= 1
            self._forget_if_idle(room)

    async def leave_room(self, connection: ClusterProtocol, reason: str) -> None:  # type: ignore[override]
        """``/leave``: back to the lobby; the room hears ``PART``."""
        room = connection.room
        assert room is not None and connection.name is not None
        last_seen = room.detach(connection)
        try:
            reply = self._check(
                await self._eval(
                    scripts.LEAVE, name_key(connection.name), connection.token, reason
                ),
                {},
            )
        except BaseException:
            if connection in self.connections and not room.gone:
                room.attach(connection, last_seen)
            raise
        if int(reply[2]):  # 0: Redis had it in no room already (deleted, say)
            room.replay(connection, last_seen, before=int(reply[2]))
        connection.room = None
        self._forget_if_idle(room)

    async def say(
        self, connection: ClusterProtocol, event: str, text: str, stamp: str
    ) -> None:
        """Publish one message or action to the room (one publish in Redis)."""
        room = connection.room
        assert room is not None and connection.name is not None
        data = format_line(event, room.name, connection.name, stamp, text=text)
        remembered = format_line(
            "HISTORY" if event == "MSG" else "HISTORY_ACTION",
            room.name,
            connection.name,
            stamp,
            text=text,
        )
        self._check(
            await self._eval(
                scripts.SAY,
                room.key,
                name_key(connection.name),
                connection.token,
                data,
                remembered,
                self.config.history,
            ),
            MEMBERS_ONLY,
        )

    async def set_topic(self, connection: ClusterProtocol, topic: str) -> None:
        room = connection.room
        assert room is not None and connection.name is not None
        data = format_line("TOPIC", room.name, connection.name, text=topic)
        self._check(
            await self._eval(
                scripts.TOPIC,
                room.key,
                name_key(connection.name),
                connection.token,
                topic,
                connection.name,
                data,
            ),
            MEMBERS_ONLY,
        )

    async def who(self, room_key: str) -> tuple[str, str, str, str, list[str]]:
        """The room's name, owner, topic, topic setter and members (arrival order)."""
        reply = self._check(
            await self._eval(scripts.WHO, room_key),
            {b"NO_SUCH_ROOM": lambda r: ChatError("NO_SUCH_ROOM", "that room is gone")},
        )
        _, name, owner, topic, topic_by, members = reply
        return (
            name.decode(),
            owner.decode(),
            topic.decode(),
            topic_by.decode(),
            [m.decode() for m in members],
        )

    async def delete(self, connection: ClusterProtocol, name: str) -> None:
        """``/delete``: every member, on every node, back to the lobby."""
        assert connection.name is not None
        key = name_key(name)
        reply = self._check(
            await self._eval(
                scripts.DELETE, key, name_key(connection.name), connection.token
            ),
            {
                b"NO_SUCH_ROOM": lambda r: no_such_room(name),
                b"PERMANENT": lambda r: ChatError(
                    "NOT_ALLOWED", f"{r[1].decode()} is permanent"
                ),
                b"NOT_OWNER": lambda r: ChatError(
                    "NOT_ALLOWED", f"only the owner of {r[1].decode()} can delete it"
                ),
            },
        )
        self.log.info(
            "{user} deleted {room}", user=connection.name, room=reply[1].decode()
        )
        room = self.local_rooms.get(key)
        seq = int(reply[2])
        if room is not None and room.seq == seq - 1:
            # Everything before the deletion has arrived: act now, so our
            # user's next command finds itself in the lobby. Otherwise the
            # room's channel brings the deletion after those events.
            self._room_deleted(room, seq, reply[3])

    def _room_deleted(self, room: LocalRoom, seq: int, data: bytes) -> None:
        """``DELETED`` for a room with members here: all back to the lobby."""
        if room.gone:
            return
        room.deliver(seq, data)
        self._send_to_lobby(room, b"")
        room.farewell = data

    def _send_to_lobby(self, room: LocalRoom, data: bytes) -> None:
        """Return every local member of ``room`` to the lobby with a room list."""
        room.gone = True
        room.farewell = data
        members = list(room.members)
        room.members.clear()
        if self.local_rooms.get(room.key) is room:
            del self.local_rooms[room.key]
            del self._by_channel[room.channel]
            self._unsubscribe(room.channel)
        for member in members:
            member.room = None
            if data:
                member.send(data)
        listing = defer.ensureDeferred(self.room_list())

        def send_list(lines: bytes) -> None:
            for member in members:
                member.returned_to_lobby(lines)

        def without_list(failure: Any) -> None:
            for member in members:
                member.returned_to_lobby(b"")

        listing.addCallbacks(send_list, without_list)

    # -- lobby watchers -----------------------------------------------------

    def watch_lobby(self, connection: ClusterProtocol, watching: bool) -> None:  # type: ignore[override]
        super().watch_lobby(connection, watching)
        if self._watchers and not self._lobby_subscribed and self.available:
            self._lobby_subscribed = True
            subscribing = defer.ensureDeferred(self._subscribe(self._lobby_channel))
            subscribing.addErrback(lambda failure: None)
        elif not self._watchers and self._lobby_subscribed:
            self._lobby_subscribed = False
            self._unsubscribe(self._lobby_channel)

    def _lobby_changed(self, room_name: str) -> None:
        if not self._watchers or self.shutting_down:
            return
        self._changed_rooms[name_key(room_name)] = room_name  # type: ignore[assignment]
        if self._lobby_push is None:
            self._lobby_push = self.clock.callLater(
                self.config.lobby_interval, self._push_lobby_changes
            )

    def room_changed(self, room: Any) -> None:
        """Redis tells every node of room changes (see :meth:`_lobby_changed`)."""

    def _push_lobby_changes(self) -> None:
        self._lobby_push = None
        changed, self._changed_rooms = self._changed_rooms, {}
        if not changed:
            return
        pushing = defer.ensureDeferred(self.room_listing(changed))

        def push(rows: list[list[Any]]) -> None:
            lines = []
            for row in rows:
                if len(row) == 1:
                    lines.append(
                        format_line("ROOM_GONE", str(changed[row[0].decode()]))
                    )
                else:
                    lines.append(listing_line(row))
            data = b"".join(lines)
            for watcher in self._watchers:
                if watcher.room is None:
                    watcher.send(data)

        pushing.addCallbacks(push, lambda failure: None)
