"""Taking and giving up a seat in a room of the cluster, as a node does it.

Entering a room is one script (``CREATE`` or ``JOIN``) whose reply is what
the joiner's welcome is built from, while the room's events come on the
room's channel over another connection. :class:`RedisSeats` puts the two in
order: it subscribes before the script runs, numbers the welcome by the
room's sequence, and replays the events of a room left in the same step
that came before the member's departure. Who is quiet, who owns the room,
what it is shown and the welcome itself are the core's
(:mod:`chatroom.core.membership`), decided on the seatings the node has
and again on those a refusal brings (:mod:`.outcomes`). It is a part of
:class:`~chatroom.backends.redis.backend.RedisBackend`, which owns it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from twisted.internet import defer
from twisted.logger import Logger

from chatroom.backends.redis import outcomes, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls, Refusals
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.encoded import stored_events
from chatroom.backends.redis.node import ClusterNode
from chatroom.backends.redis.outcomes import Change, RedisSeating
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replies import ENTRY_REFUSALS, key_of
from chatroom.core import errors, membership
from chatroom.core.backend import FactsChangedError, Marks
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.events import Departure
from chatroom.core.membership import Seating, WelcomeFacts
from chatroom.core.registry import Member
from chatroom.core.retrying import retried
from chatroom.core.sessions import SeatSession, SeatSessions
from chatroom.core.text import name_key


class RedisSeats:
    """A node's joins, creates and leaves."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        calls: RedisCalls,
        node: ClusterNode,
        here: NodeRooms,
        sessions: SeatSessions,
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
        session: SeatSession,
        key: str,
        name: str,
        leaving: str | None,
        since: int | None,
        script: Script,
        args: list[Any],
        check: Callable[[], Awaitable[list[Any]]] | None = None,
    ) -> None:
        """Enter room ``key`` by ``script`` (create, join or view), leaving
        ``leaving``: the join (and the departure from ``leaving``) decided
        by :mod:`chatroom.core.membership` on the seatings this node has,
        again on those a refusal brings (:mod:`.outcomes`).

        ``check`` (joins only): decides on the room's facts when the script
        asks for that, returning the guard it then checks.

        The node subscribes to the room's channel before the script runs, so
        no event after the joiner's welcome can be missed. The joiner stops
        receiving its old room's events while the script runs; events that
        came meanwhile from before its departure are replayed afterwards.
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
            decide = self._deciding(member, session, room, name, old, script)
            shown = [self.config.history, "" if since is None else since]
            try:
                reply = await self._reply(
                    script,
                    [*args, *shown, self.config.resume_bound],
                    name,
                    decide,
                    check,
                )
            except BaseException:
                if old is not None and member in self.sessions:
                    old.attach(member, last_seen)
                raise
            _, marks, read, after = reply
            seen = outcomes.seated_all(after)
            for local in (room, old):
                if local is not None and local.key in seen:
                    local.seated = seen[local.key]
            view = _view(read, session.name)
            if member not in self.sessions:
                return  # gone meanwhile; its release follows this script in Redis
            if old is not None:
                part_seq = int(marks[0][0]) + 1 if len(marks) > 1 else 0
                if part_seq:  # else Redis had it in no room: nothing to add
                    old.replay(member, last_seen, before=part_seq)
                self.here.unseat(member, old)
            if view.room != room.name:
                room.name = view.room
            view.room = room.name  # the one string its members' seats share
            if not room.incarnation:
                room.incarnation = read[2].decode()
            if view.joiner_quiet:
                room.quiet.add(member)
            bound = self.config.resume_bound
            member.entered(membership.welcome(view, since, bound))
            self.here.seat(member, room, int(marks[-1][0]))
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

    def _deciding(
        self,
        member: Member,
        session: SeatSession,
        room: NodeRoom,
        name: str,
        old: NodeRoom | None,
        script: Script,
    ) -> Callable[[dict[str, RedisSeating]], list[Change]]:
        """How the changes of an entering script are decided, on the
        seatings known (the node's, then those a refusal brings)."""
        u = key_of(session)
        config = self.config

        def decide(known: dict[str, RedisSeating]) -> list[Change]:
            changes: list[Change] = []
            if old is not None:
                moved = membership.moved(old.name, session.name, name)
                was = known.get(old.key) or old.seating_of(member, u)
                changes.append(outcomes.leaving(old.key, was, [(u, moved)]))
            if script is scripts.VIEW:
                return changes
            if script is scripts.CREATE:
                arrival = membership.join(Seating(name, 0), u, session, 0)
                return [*changes, outcomes.creating(room.key, u, arrival)]
            facts = (
                known.get(room.key) or room.seated or outcomes.unknown(room.key, name)
            )
            arrival = membership.join(facts.about(u), u, session, config.big_room)
            changes.append(
                outcomes.joining(room.key, facts, u, arrival, config.big_room)
            )
            return changes

        return decide

    async def _reply(
        self,
        script: Script,
        args: list[Any],
        name: str,
        decide: Callable[[dict[str, RedisSeating]], list[Change]],
        check: Callable[[], Awaitable[list[Any]]] | None,
    ) -> Any:
        """Run an entering script, deciding on facts whenever it asks to:
        the join's again on the seatings it answers, the entry rule on the
        room's facts (``check``)."""
        refusals: Refusals = {
            **ENTRY_REFUSALS,
            **MEMBERS_ONLY,  # VIEW's: the user left the room meanwhile
            b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name),
            b"TOO_MANY_ROOMS": lambda r: errors.too_many_rooms(self.config.max_rooms),
        }
        guard: list[Any] = [] if check is None else ["", "", ""]
        known: dict[str, RedisSeating] = {}

        async def attempt() -> Any:
            nonlocal guard
            changes = b"" if script is scripts.VIEW else outcomes.encoded(decide(known))
            extra = [] if script is scripts.VIEW else [changes]
            try:
                return await self.calls.call(
                    script, *args, *extra, *guard, refusals=refusals
                )
            except FactsChangedError as changed:
                seatings = outcomes.brought(changed)
                if seatings is not None:
                    known.update(seatings)
                elif check is not None:
                    guard = await check()
                raise

        return await retried(attempt)

    async def leave(
        self, member: Member, session: SeatSession, departure: Departure
    ) -> None:
        """Out of ``departure.room``: the node stops delivering its events
        to the member while ``LEAVE`` runs, then replays those from before
        the member's departure. Decided on the room's seating this node has
        (again on the one a refusal brings)."""
        where = self.here.place(member, departure.room)
        last_seen = where.detach(member)
        u = key_of(session)
        room = where.seating_of(member, u)

        async def attempt() -> int:
            nonlocal room
            if u not in room.present:
                return 0  # Redis had it in no room already (deleted, say)
            shown = replace(departure, room=room.name or departure.room)
            changes = [outcomes.leaving(where.key, room, [(u, shown)])]
            try:
                reply = await self.calls.call(
                    scripts.LEAVE,
                    u,
                    session.token,
                    outcomes.encoded(changes),
                    refusals={},
                )
            except FactsChangedError as changed:
                room = (outcomes.brought(changed) or {}).get(where.key, room)
                raise
            where.seated = outcomes.seated_all(reply[2]).get(where.key, where.seated)
            return int(reply[1][0][0]) + 1  # the departure's, shown or not

        try:
            part_seq = await retried(attempt)
        except BaseException:
            if member in self.sessions and not where.gone:
                where.attach(member, last_seen)
            raise
        if part_seq:
            where.replay(member, last_seen, before=part_seq)
        where.quiet.discard(member)
        self.here.unseat(member, where)

    # -- an account's devices on several nodes ---------------------------------

    async def held_elsewhere(
        self,
        member: Member,
        session: SeatSession,
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
            with suppress(ChatError):  # left meanwhile: not shown, nor is READ
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
        self, member: Member, session: SeatSession, key: str, since: int | None = None
    ) -> None:
        """Seat ``member`` here in room ``key``, which its user is in by
        another node's device; nothing if it is here already (or gone).
        ``NOT_IN_ROOM`` if the user is no longer in it, ``NO_SUCH_ROOM``
        if it is gone, ``UNAVAILABLE``: the caller decides what that means
        (a join answered ``ALREADY_IN_ROOM`` joins again, news is dropped)."""
        room = self.here.get(key)
        if member not in self.sessions or (room and self.here.is_in(member, room)):
            return
        args = [key, key_of(session), session.token]
        await self.enter(member, session, key, key, None, since, scripts.VIEW, args)


def _view(read: list[Any], joiner: str) -> WelcomeFacts:
    """What a join reply is built from, as ``view`` (the prelude) read it."""
    name, capacity, _incarnation, topic, topic_by, topic_at = read[:6]
    members, quiet, total, owner, history, first, last = read[6:]
    return WelcomeFacts(
        room=name.decode(),
        members=[m.decode() for m in members],
        total=int(total),
        joiner=joiner,
        capacity=int(capacity),
        joiner_quiet=int(quiet) == 1,
        owner=owner.decode(),
        topic=topic.decode(),
        topic_by=topic_by.decode(),
        topic_at=int(topic_at),
        history=stored_events(history),
        first=int(first),
        last=int(last),
    )
