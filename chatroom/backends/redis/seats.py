"""Taking and giving up a seat in a room of the cluster, as a node does it.

Entering a room is one script (``CREATE`` or ``JOIN``) whose reply is the
joiner's welcome, while the room's events come on the room's channel over
another connection. :class:`RedisSeats` puts the two in order: it subscribes
before the script runs, numbers the welcome by the room's sequence, and
replays the events of a room left in the same step that came before the
member's ``PART``. It is a part of
:class:`~chatroom.backends.redis.backend.RedisBackend`, which owns it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from twisted.internet import defer
from twisted.logger import Logger

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls, Refusals
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.encoded import stored_events
from chatroom.backends.redis.node import ClusterNode
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replies import ENTRY_REFUSALS, key_of
from chatroom.core import codec, errors, rules
from chatroom.core.backend import FactsChangedError, Marks
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.events import Departure, Welcome
from chatroom.core.registry import Member
from chatroom.core.sessions import Session, Sessions
from chatroom.core.text import name_key

#: How often a join is retried when the facts it was admitted on changed.
ENTRY_ATTEMPTS = 5


class RedisSeats:
    """A node's joins, creates and leaves."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        calls: RedisCalls,
        node: ClusterNode,
        here: NodeRooms,
        sessions: Sessions,
    ) -> None:
        self.config = config
        self.calls = calls
        self.node = node
        self.here = here
        self.sessions = sessions
        #: Called with a seat and a room key once a room another node's
        #: device entered is shown here (the core's, see OtherNodes.watch).
        self.on_viewed: Callable[[Member, str], None] = lambda seat, key: None

    async def enter(
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
                reply = await self._reply(
                    script,
                    [
                        *args,
                        old.key if old is not None else "",
                        self.config.history,
                        "" if since is None else since,
                        self.config.resume_bound,
                        self.config.big_room,
                    ],
                    name,
                    check,
                )
            except BaseException:
                if old is not None and member in self.sessions:
                    old.attach(member, last_seen)
                raise
            (_, room_name, seq, capacity, incarnation, topic, topic_by) = reply[:7]
            part_seq, members, history, first, last = reply[7:12]
            total, owner, topic_at = reply[12:]
            gap = ""
            if since is not None:
                gap = rules.catch_up(
                    since, int(first), int(last), self.config.resume_bound
                ).gap
            if member not in self.sessions:
                return  # gone meanwhile; its release follows this script in Redis
            if old is not None:
                if int(part_seq):  # else Redis had it in no room: nothing to add
                    old.replay(member, last_seen, before=int(part_seq))
                self.here.unseat(member, old)
            shown = room_name.decode()
            if shown != room.name:  # else keep the one string its members share
                room.name = shown
            if not room.incarnation:
                room.incarnation = incarnation.decode()
            member.entered(
                Welcome(
                    room=room.name,
                    members=[m.decode() for m in members],
                    total=int(total) if int(total) >= 0 else None,
                    owner=owner.decode(),
                    capacity=int(capacity),
                    history=stored_events(history),
                    topic=topic.decode(),
                    topic_by=topic_by.decode(),
                    topic_at=int(topic_at),
                    gap=gap,
                )
            )
            self.here.seat(member, room, int(seq))
            if room.gone:  # deleted while our join was being answered
                self.here.close(room, room.farewell)
            self.log.info(
                "{user} joined {room}",
                user=self.sessions[member].name,
                room=room.name,
            )
        finally:
            room.entering -= 1
            self.here.forget_if_idle(room)

    async def _reply(
        self,
        script: Script,
        args: list[Any],
        name: str,
        check: Callable[[], Awaitable[list[Any]]] | None,
    ) -> Any:
        """Run an entering script, deciding on facts whenever it asks to."""
        refusals: Refusals = {
            **ENTRY_REFUSALS,
            b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name),
            b"TOO_MANY_ROOMS": lambda r: errors.too_many_rooms(self.config.max_rooms),
        }
        guard: list[Any] = [] if check is None else ["", "", ""]
        for _attempt in range(ENTRY_ATTEMPTS):
            try:
                return await self.calls.call(script, *args, *guard, refusals=refusals)
            except FactsChangedError:
                if check is None:
                    raise
                guard = await check()
        raise errors.unavailable()

    async def leave(
        self, member: Member, session: Session, departure: Departure
    ) -> None:
        """Out of ``departure.room``: the node stops delivering its events
        to the member while ``LEAVE`` runs, then replays those from before
        the member's departure."""
        where = self.here.place(member, departure.room)
        last_seen = where.detach(member)
        try:
            reply = await self.calls.call(
                scripts.LEAVE,
                key_of(session),
                session.token,
                where.key,
                codec.encode(departure),
                refusals={},
            )
        except BaseException:
            if member in self.sessions and not where.gone:
                where.attach(member, last_seen)
            raise
        if int(reply[1]):  # 0: Redis had it in no room already (deleted, say)
            where.replay(member, last_seen, before=int(reply[1]))
        self.here.unseat(member, where)

    # -- an account's devices on several nodes ---------------------------------

    async def held_elsewhere(
        self,
        member: Member,
        session: Session,
        at: Marks,
        shown: Callable[[str], None],
    ) -> bool:
        """``HELD_ROOMS``: if another node holds the name too (a device of
        the account there), this node is seated in each room of it, from
        the account's marker there on (``VIEW``: the room hears nothing),
        then ``shown(room key)``."""
        reply = await self.calls.eval(
            scripts.HELD_ROOMS, key_of(session), session.token
        )
        if not int(reply[0]):
            return False
        for room in reply[1:]:
            key = room.decode()
            await self.view(member, session, key, at.get(key))
            shown(key)
        return True

    def viewed(self, member: Member, key: str) -> None:
        """Another node's device of the account entered room ``key``."""
        session = self.sessions.get(member)
        if session is not None:
            viewing = defer.ensureDeferred(self.view(member, session, key))
            viewing.addCallback(lambda _: self.on_viewed(member, key))
            viewing.addErrback(lambda failure: None)

    async def view(
        self, member: Member, session: Session, key: str, since: int | None = None
    ) -> None:
        """Seat ``member`` here in room ``key``, which its user is in by
        another node's device; nothing if it is here already, or the user
        is no longer in it."""
        room = self.here.get(key)
        if member not in self.sessions or (room and self.here.is_in(member, room)):
            return
        args = [key, key_of(session), session.token]
        with suppress(ChatError):
            await self.enter(member, key, key, None, since, scripts.VIEW, args)
