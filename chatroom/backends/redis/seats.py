"""Taking and giving up a seat in a room of the cluster, as a node does it.

Entering a room is the server's step (``ENTERING``) and the room's
(``CREATE`` or ``JOIN``), whose reply is what the joiner's welcome is built
from, while the room's events come on the room's channel over another
connection; a room left for it is left after, by its own room's step, and
the server's step after them follows when it has anything to do
(:mod:`.room_steps`). :class:`RedisSeats` puts the steps and the channel in
order: it subscribes before the room's step runs, numbers the welcome by
the room's sequence, and replays the events of a room left in the same
command that came before the member's departure. Who is quiet, who owns the room,
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
from chatroom.backends.redis.room_steps import RoomSteps
from chatroom.core import errors, membership
from chatroom.core.backend import FactsChangedError, Marks
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.events import Departure
from chatroom.core.facts import Seating, WelcomeFacts
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
        steps: RoomSteps,
    ) -> None:
        self.config = config
        self.calls = calls
        self.node = node
        self.here = here
        self.sessions = sessions
        self.steps = steps
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
                marks, read, after = await self._reply(
                    script,
                    [*args, *shown, self.config.resume_bound],
                    name,
                    session,
                    decide,
                    check,
                )
            except BaseException:
                if old is not None and member in self.sessions:
                    old.attach(member, last_seen)
                raise
            seen = outcomes.seated_all(after)
            for local in (room, old):
                if local is not None and local.key in seen:
                    local.seated = seen[local.key]
            view = _view(read, session.name)
            if member not in self.sessions:  # gone meanwhile
                if script is not scripts.VIEW:  # its release may have come first
                    u, token = key_of(session), session.token
                    await self.steps.leave_ended(room.key, u, token, session.name)
                return
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
        session: SeatSession,
        decide: Callable[[dict[str, RedisSeating]], list[Change]],
        check: Callable[[], Awaitable[list[Any]]] | None,
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """Enter by ``script``: its marks (the departure's first, if any),
        what the welcome is built from and the seatings after. A create or
        a join is the server's step (``ENTERING``), the room's (deciding
        again on the seating it answers ``CHANGED`` with, and on the
        room's facts, ``check``, when it asks), then the departure from
        the room left, if any, and the server's step after
        (:mod:`.room_steps`). The room entered comes first: a join
        refused leaves the joiner where it was."""
        refusals: Refusals = {
            **ENTRY_REFUSALS,
            **MEMBERS_ONLY,  # VIEW's: the user left the room meanwhile
            b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name),
            b"TOO_MANY_ROOMS": lambda r: errors.too_many_rooms(self.config.max_rooms),
        }
        if script is scripts.VIEW:
            _, marks, read, after = await self.calls.call(
                script, *args, refusals=refusals
            )
            return marks, read, after
        u = key_of(session)
        guard: list[Any] = [] if check is None else ["", "", ""]
        known: dict[str, RedisSeating] = {}
        others = 0

        async def enter() -> Any:
            nonlocal guard, others
            entering = decide(known)[-1]
            listing = [name, self.config.max_rooms] if script is scripts.CREATE else []
            first = await self.calls.step(
                scripts.ENTERING,
                u,
                session.token,
                outcomes.encoded_change(entering),
                *listing,
                refusals=refusals,
            )
            _, records, created, others = first
            room_step = [outcomes.encoded_change(entering), records]
            if script is scripts.CREATE:
                room_step.append(created)
            try:
                return await self.calls.call(
                    script, *args, *room_step, *guard, refusals=refusals
                )
            except FactsChangedError as changed:
                seatings = outcomes.brought(changed)
                if seatings is not None:
                    known.update(seatings)
                elif check is not None:
                    guard = await check()
                raise

        _, entered, read, after = await retried(enter)
        marks = list(entered)
        left: list[Change] = []
        if len(changes := decide(known)) > 1:
            key = changes[0]["r"]
            try:
                departure, departed = await self._depart(u, session, key, decide, known)
            except ChatError as failure:
                # Entered, but still in the room left as Redis has it
                # (unavailable, or its seating never settled): this node no
                # longer has it there, so its next resume leaves it (a stale
                # place), or its session's end at the latest (its rooms).
                self.log.warn(
                    "{user} entered {room}, but left {old} only here: {failure}",
                    user=session.name,
                    room=name,
                    old=key,
                    failure=failure.code,
                )
            else:
                left.append(departure)
                marks.insert(0, departed[1][0])
                after = [*departed[2], *after]
        shown = changes[-1]["r"] if int(others) else ""
        await self._index_last(left, u, session.token, shown)
        return marks, read, after

    async def _index_last(
        self, left: list[Change], u: str = "", token: str = "", shown: str = ""
    ) -> None:
        """The server's step after the rooms' (:meth:`RoomSteps.index_last`)
        once the member's command is done in the rooms: if Redis cannot
        take it, the indexes name a room too many, which they may."""
        try:
            await self.steps.index_last(left, u, token, shown)
        except ChatError as failure:
            self.log.warn(
                "the indexes still name rooms {rooms} left: {failure}",
                rooms=[change["r"] for change in left],
                failure=failure.code,
            )

    async def _depart(
        self,
        u: str,
        session: SeatSession,
        key: str,
        decide: Callable[[dict[str, RedisSeating]], list[Change]],
        known: dict[str, RedisSeating],
    ) -> tuple[Change, Any]:
        """The room's step of u's departure from room ``key``, left for
        another: decided by ``decide`` on the seatings ``known`` (again on
        the one a refusal brings); the change stored and ``LEAVE``'s
        reply."""

        async def attempt() -> tuple[Change, Any]:
            departure = next(c for c in decide(known) if c["r"] == key)
            try:
                return departure, await self.steps.leave(u, session.token, departure)
            except FactsChangedError as changed:
                known.update(outcomes.brought(changed) or {})
                raise

        return await retried(attempt)

    async def leave(
        self, member: Member, session: SeatSession, departure: Departure
    ) -> None:
        """Out of ``departure.room``: the node stops delivering its events
        to the member while ``LEAVE`` (the room's step) runs, then replays
        those from before the member's departure; the server's step follows
        (``INDEX_LAST``: the room out of the user's rooms). Decided on the
        room's seating this node has (again on the one a refusal brings)."""
        where = self.here.place(member, departure.room)
        last_seen = where.detach(member)
        u = key_of(session)
        room = where.seating_of(member, u)
        left: list[Change] = []  # the departure stored in the room, once it is

        async def attempt() -> int:
            nonlocal room
            if u not in room.present:
                return 0  # Redis had it in no room already (deleted, say)
            shown = replace(departure, room=room.name or departure.room)
            change = outcomes.leaving(where.key, room, [(u, shown)])
            try:
                reply = await self.steps.leave(u, session.token, change)
            except FactsChangedError as changed:
                room = (outcomes.brought(changed) or {}).get(where.key, room)
                raise
            left.append(change)
            where.seated = outcomes.seated_all(reply[2]).get(where.key, where.seated)
            return int(reply[1][0][0]) + 1  # the departure's, shown or not

        try:
            part_seq = await retried(attempt)
        except BaseException:
            if member in self.sessions and not where.gone:
                where.attach(member, last_seen)
            raise
        await self._index_last(left)
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
