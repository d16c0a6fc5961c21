"""The Redis registry: names and rooms shared by every node of a cluster.

:class:`RedisRegistry` implements :class:`chatroom.core.registry.Registry` with
the shared state in Redis, changed only through the scripts of
:mod:`chatroom.backends.redis.scripts`, and the rules of :mod:`chatroom.core.rules`
decided here, in Python, exactly as the in-process registry decides them.
It keeps the per-node parts local: the sessions of this node's members and
one :class:`~chatroom.backends.redis.delivery.LocalRoom` per room that has
members here, subscribed to that room's channel only while it has.
Accounts, moderation and admin commands are
:class:`~chatroom.backends.redis.moderation.ClusterModeration`'s.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.backends.redis import scripts
from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.link import RedisLink
from chatroom.backends.redis.moderation import (
    ClusterModeration,
    operators_among,
)
from chatroom.backends.redis.node import ClusterConfig, ClusterNode, new_incarnation
from chatroom.backends.redis.prelude import Script
from chatroom.core import errors, moderation, rules
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Event,
    Listing,
    LobbyChanges,
    RoomDetails,
    RoomGone,
    RoomInfo,
    Welcome,
    from_line,
    history_event,
    to_line,
)
from chatroom.core.lobby import LobbyWatchers
from chatroom.core.registry import Member
from chatroom.core.text import name_key
from chatroom.core.wire import format_time

NAME_LOST = "your name was given to someone else while this server was out of touch"


def room_info(row: list[Any]) -> RoomInfo:
    """A room's lobby entry from a row of the LISTING script."""
    _key, name, members, capacity, topic, _created = row
    return RoomInfo(name.decode(), int(members), int(capacity), topic.decode())


class RedisRegistry(ClusterModeration):
    """A node's view of the cluster's names and rooms."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        cluster: ClusterConfig,
        clock: Any,
        commands: RedisLink,
        subscriber: RedisLink,
        on_fatal: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.config = config
        self.cluster = cluster
        self.clock = clock
        self.calls = RedisCalls(
            commands, subscriber, cluster.prefix, cluster.redis_timeout, clock
        )
        self.node = ClusterNode(cluster, self.calls, clock, self, on_fatal)
        self.sessions: dict[str, Member] = {}  # token → member, once named
        self.here = NodeRooms(
            cluster.prefix,
            self.calls.subscribe,
            self.calls.unsubscribe,
            self.list_rooms,
        )
        self.stopping = False
        self._accounts = RedisAccounts(self.calls)
        self._tokens: dict[Member, str] = {}
        self._names: dict[Member, str] = {}
        self._signed: dict[Member, str] = {}
        self._claiming: dict[Member, str] = {}  # name keys being claimed
        self._next_session = itertools.count(1)
        self._session_prefix = secrets.token_hex(4)
        prefix = cluster.prefix
        self._node_channel = f"{prefix}node:{cluster.node_id}".encode()
        self._lobby_channel = f"{prefix}lobby".encode()
        self._lobby_subscribed = False
        self.lobby = LobbyWatchers(clock, config.lobby_interval, self._lobby_entries)
        subscriber.on_message = self._on_message

    @classmethod
    def connect(
        cls,
        config: ServerConfig,
        cluster: ClusterConfig,
        reactor: Any,
        on_fatal: Callable[[str], None] = lambda message: None,
    ) -> RedisRegistry:
        """A registry with its two links to the Redis that ``cluster`` names.

        ``on_fatal`` is called if Redis cannot be reached at start.
        """
        return cls(
            config,
            cluster,
            reactor,
            commands=RedisLink(reactor, cluster.redis, "redis commands"),
            subscriber=RedisLink(
                reactor, cluster.redis, "redis subscriber", subscriber=True
            ),
            on_fatal=on_fatal,
        )

    # -- for operators and tests ------------------------------------------------

    @property
    def commands(self) -> RedisLink:
        return self.calls.commands

    @property
    def subscriber(self) -> RedisLink:
        return self.calls.subscriber

    @property
    def available(self) -> bool:
        return self.node.available

    def when_available(self) -> Deferred[None]:
        return self.node.when_available()

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        self.node.start()

    def stop(self) -> None:
        self.stopping = True
        self.lobby.stop()

    def detach(self) -> Deferred[None]:
        return self.node.detach()

    # -- what the node holds (chatroom.backends.redis.node.Holdings) -------------

    def channels(self) -> list[bytes]:
        wanted = [self._node_channel]
        if self.lobby.members:
            wanted.append(self._lobby_channel)
            self._lobby_subscribed = True
        wanted.extend(self.here.channels())
        return wanted

    def resume_arguments(self) -> list[Any]:
        named = [m for m in self.sessions.values() if m in self._names]
        args: list[Any] = [len(named)]
        for member in named:
            places = [room.key for room in self.here.places.get(member, ())]
            name, account = self._names[member], self._signed.get(member, "")
            args += [name_key(name), self._tokens[member], name, account]
            args += [len(places), *places]
        return args + self.here.resume_rows(
            self.config.rooms, self.config.room_capacity
        )

    def resumed(self, failed: list[bytes], rooms: list[list[Any]]) -> None:
        for entry in failed:  # "token" (name lost) or "token reason" (ended)
            token, _, reason = entry.decode().partition(" ")
            member = self.sessions.get(token)
            if member is not None:
                member.disconnect(reason or NAME_LOST)
        self.here.resumed(rooms)

    def lost(self) -> None:
        self._lobby_subscribed = False
        self.here.hold()

    # -- names --------------------------------------------------------------------

    def _token(self, member: Member) -> str:
        """The member's session token, unique in the cluster and over time:
        ``node:prefix.number``, the prefix new with each process, so that a
        grant a room keeps (operator, invitation) for a plain name's
        session never matches a session of a later run of the node."""
        token = self._tokens.get(member)
        if token is None:
            number = next(self._next_session)
            token = f"{self.cluster.node_id}:{self._session_prefix}.{number}"
            self._tokens[member] = token
        return token

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> bool:
        """As the in-process registry: the claim rule on the name's facts
        (registered? banned?), then ``CLAIM``, which also ends a session
        holding the name if ``account`` is that name's and ``takeover``."""
        rules.check_name(name)
        key = name_key(name)
        signed_in = self._signed.get(member, "") if account is None else account
        registered, banned = await self._accounts.claim_facts(
            key, moderation.claim_masks(key, signed_in)
        )
        rules.check_claim(
            name, registered, signed_in, banned, self.config.require_account
        )
        token = self._token(member)
        old = self._names.get(member)
        self._claiming[member] = key
        try:
            reply = await self.calls.call(
                scripts.CLAIM,
                key,
                token,
                name,
                name_key(old) if old is not None else "",
                signed_in,
                "1" if takeover and account == key else "0",
                refusals={b"TAKEN": lambda r: errors.name_taken(name)},
            )
        finally:
            self._claiming.pop(member, None)
        if member in self._tokens:  # not released meanwhile
            self._names[member] = name
            self.sessions[token] = member
            if signed_in:
                self._signed[member] = signed_in
        return bool(reply[0] == b"IN_ROOM")

    def release(self, member: Member, reason: str) -> None:
        """Free a departing member's places and name in the cluster.

        Not awaited: nobody is waiting for the answer. If Redis is down, the
        next resume releases whatever this node no longer holds.
        """
        token = self._tokens.pop(member, None)
        if token is None:
            return
        self.watch_lobby(member, False)
        self.here.release(member)
        self.sessions.pop(token, None)
        self._signed.pop(member, None)
        name = self._names.pop(member, None)
        if self.stopping or not self.node.available:
            return
        for key in {name_key(name) if name else None, self._claiming.get(member)}:
            if key:
                releasing = defer.ensureDeferred(
                    self.calls.eval(scripts.RELEASE, key, token, reason)
                )
                releasing.addErrback(lambda failure: None)

    async def private_message(self, member: Member, target: str, text: str) -> Event:
        rules.check_text(text)
        stamp = format_time(self.clock.seconds())
        reply = await self.calls.call(
            scripts.PRIVMSG,
            name_key(target),
            self._names[member],
            stamp,
            text,
            refusals={b"NO_SUCH_USER": lambda r: errors.no_such_user(target)},
        )
        return from_line(reply[1])

    def _on_message(self, channel: bytes, message: bytes) -> None:
        """One message from a subscribed channel."""
        if self.here.on_message(channel, message):
            return
        if channel == self._node_channel:
            self._for_sessions(message)
        elif channel == self._lobby_channel:
            name = message.decode()
            self.lobby.changed(name_key(name), name)

    # -- rooms --------------------------------------------------------------------

    async def list_rooms(self) -> Listing:
        rows = sorted(await self._listing(), key=lambda row: int(row[5]))
        return Listing([room_info(row) for row in rows])

    async def _listing(self, keys: list[str] | None = None) -> list[list[Any]]:
        """Rows of the LISTING script for ``keys`` (every room if none)."""
        return list(await self.calls.eval(scripts.LISTING, *(keys or [""])))

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        rules.check_room_name(name)
        key = name_key(name)
        await self._enter(
            member,
            key,
            name,
            leaving,
            None,
            scripts.CREATE,
            [
                key,
                name,
                name_key(self._names[member]),
                self._tokens[member],
                self.config.max_rooms,
                self.config.room_capacity,
                new_incarnation(),
            ],
        )

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
    ) -> None:
        """Joins are one script, except into a room whose policy restricts
        them: that one answers ``RESTRICTED``, and the entry rule is applied
        to the room's facts before joining again (:meth:`_entry_check`)."""
        room_key = name_key(name)
        await self._enter(
            member,
            room_key,
            name,
            leaving,
            since,
            scripts.JOIN,
            [room_key, name_key(self._names[member]), self._tokens[member]],
            self._entry_check(member, name, key),
        )

    async def _enter(
        self,
        member: Member,
        key: str,
        name: str,
        leaving: str | None,
        since: int | None,
        script: Script,
        args: list[Any],
        check: Callable[[], Awaitable[list[Any]]] | None = None,
    ) -> None:
        """Enter room ``key`` by ``script`` (create or join), leaving ``leaving``.

        ``check`` (joins only): decides on the room's facts when the script
        asks for that, returning the guard it then checks.

        The node subscribes to the room's channel before the script runs, so
        no event after the joiner's welcome can be missed. The joiner stops
        receiving its old room's events while the script runs; events that
        came meanwhile from before its PART are replayed afterwards.
        """
        if not self.node.available:  # don't wait for a subscription that can't come
            raise errors.unavailable()
        room = self.here.open(key, name)
        room.entering += 1
        try:
            await room.when_subscribed()
            old = self.here.get(name_key(leaving)) if leaving else None
            if old is not None and not self.here.is_in(member, old):
                old = None
            last_seen = old.detach(member) if old is not None else 0
            try:
                reply = await self._entry_reply(
                    script,
                    [
                        *args,
                        old.key if old is not None else "",
                        self.config.history,
                        "" if since is None else since,
                        self.config.resume_bound,
                    ],
                    name,
                    check,
                )
            except BaseException:
                if old is not None and member in self._tokens:
                    old.attach(member, last_seen)
                raise
            (_, room_name, seq, capacity, incarnation, topic, topic_by) = reply[:7]
            part_seq, members, history, first, last = reply[7:]
            gap = ""
            if since is not None:
                gap = rules.catch_up(
                    since, int(first), int(last), self.config.resume_bound
                ).gap
            if member not in self._tokens:
                return  # gone meanwhile; its release follows this script in Redis
            if old is not None:
                if int(part_seq):  # else Redis had it in no room: nothing to add
                    old.replay(member, last_seen, before=int(part_seq))
                self.here.unseat(member, old)
            room.name = room_name.decode()
            if not room.incarnation:
                room.incarnation = incarnation.decode()
            member.entered(
                Welcome(
                    room=room.name,
                    members=[m.decode() for m in members],
                    capacity=int(capacity),
                    history=[from_line(line) for line in history],
                    topic=topic.decode(),
                    topic_by=topic_by.decode(),
                    gap=gap,
                )
            )
            self.here.seat(member, room, int(seq))
            if room.gone:  # deleted while our join was being answered
                self.here.close(room, room.farewell)
            self.log.info(
                "{user} joined {room}", user=self._names[member], room=room.name
            )
        finally:
            room.entering -= 1
            self.here.forget_if_idle(room)

    async def leave_room(self, member: Member, room: str, reason: str) -> None:
        where = self.here.place(member, room)
        last_seen = where.detach(member)
        try:
            reply = await self.calls.call(
                scripts.LEAVE,
                name_key(self._names[member]),
                self._tokens[member],
                where.key,
                reason,
                refusals={},
            )
        except BaseException:
            if member in self._tokens and not where.gone:
                where.attach(member, last_seen)
            raise
        if int(reply[1]):  # 0: Redis had it in no room already (deleted, say)
            where.replay(member, last_seen, before=int(reply[1]))
        self.here.unseat(member, where)

    async def say(self, member: Member, room: str, kind: str, text: str) -> None:
        """Publish one message or action to the room (one publish in Redis)."""
        rules.check_text(text)
        where = self.here.place(member, room)
        now = self.clock.seconds()
        name, stamp = self._names[member], format_time(now)
        age = self.config.retention_age
        await self.calls.call(
            scripts.SAY,
            where.key,
            name_key(name),
            self._tokens[member],
            to_line(Event(kind, (where.name, name, stamp), text)),
            to_line(history_event(kind, where.name, name, stamp, text)),
            self.config.retention,
            format_time(now - age) if age else "",
            refusals=MEMBERS_ONLY,
        )

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[Event]:
        rules.check_history_count(count)
        where = self.here.place(member, room)
        reply = await self.calls.call(
            scripts.PAGE,
            where.key,
            name_key(self._names[member]),
            self._tokens[member],
            count,
            "" if before is None else before,
            refusals=MEMBERS_ONLY,
        )
        return [from_line(line) for line in reply[1]]

    async def room_details(self, room: str) -> RoomDetails:
        reply = await self.calls.call(
            scripts.WHO,
            name_key(room),
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        _, name, owner, topic, topic_by, members = reply[:6]
        shown = [m.decode() for m in members]
        return RoomDetails(
            room=name.decode(),
            members=shown,
            owner=owner.decode(),
            topic=topic.decode(),
            topic_by=topic_by.decode(),
            operators=operators_among(name.decode(), shown, *reply[6:]),
        )

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        rules.check_topic(topic)
        where = self.here.place(member, room)
        actor = self._actor(member)
        name = actor.name
        await self._decide(
            where.key,
            lambda facts: moderation.check_set_topic(facts.room, actor),
            scripts.TOPIC,
            lambda facts, _: [
                where.key,
                name_key(name),
                self._tokens[member],
                topic,
                name,
                to_line(Event("TOPIC", (facts.room.name, name), topic)),
                facts.inc,
                facts.ver,
            ],
            MEMBERS_ONLY,
        )

    async def delete_room(self, member: Member, name: str) -> None:
        """``/delete``: every member, on every node, back to the lobby."""
        key, actor = name_key(name), self._actor(member)
        by = actor.name
        reply = await self._decide(
            name,
            lambda facts: moderation.check_delete(facts.room, actor),
            scripts.DELETE,
            lambda facts, _: [
                key,
                name_key(by),
                self._tokens[member],
                facts.inc,
                facts.ver,
            ],
            {b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name)},
        )
        self.log.info("{user} deleted {room}", user=by, room=reply[1].decode())
        room = self.here.get(key)
        seq = int(reply[2])
        if room is not None and room.seq == seq - 1:
            # Everything before the deletion has arrived: act now, so our
            # user's next command finds itself in the lobby. Otherwise the
            # room's channel brings the deletion after those events.
            self.here.deleted(room, seq, reply[3])

    # -- lobby watchers -------------------------------------------------------------

    def watch_lobby(self, member: Member, watching: bool) -> None:
        """Watchers hear of changes on every node: the lobby channel is
        subscribed while this node has any."""
        self.lobby.watch(member, watching)
        if self.lobby.members and not self._lobby_subscribed and self.node.available:
            self._lobby_subscribed = True
            subscribing = defer.ensureDeferred(
                self.calls.subscribe(self._lobby_channel)
            )
            subscribing.addErrback(lambda failure: None)
        elif not self.lobby.members and self._lobby_subscribed:
            self._lobby_subscribed = False
            self.calls.unsubscribe(self._lobby_channel)

    async def _lobby_entries(self, changed: dict[str, str]) -> LobbyChanges:
        rows = await self._listing(list(changed))
        return LobbyChanges(
            [
                RoomGone(changed[row[0].decode()]) if len(row) == 1 else room_info(row)
                for row in rows
            ]
        )
