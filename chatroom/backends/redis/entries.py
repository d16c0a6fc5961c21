"""Taking and giving up a seat in a room of the cluster, as a node does it.

Entering a room is the server's step (``ENTERING``) and the room's
(``CREATE`` or ``JOIN``; a join in one ``JOIN`` where the room's keys are
in the server's slot), whose reply is what the joiner's welcome is built
from, while the room's events come on the room's channel over another
connection; the server's step after it follows when it has anything to do
(:mod:`.room_steps`). :class:`RedisEntries` puts the steps and the channel in
order: it subscribes before the room's step runs, numbers the welcome by
the room's sequence, seats the member here from the join's own event, and
answers the room as the step read it with the events that came after the
join meanwhile (the core shows the member its join reply, then hands it
those). Whether the member may
enter, who is quiet, who owns the room and what it is shown are decided
by the core (:mod:`chatroom.core.rooms.entries`) on the seating this node has
(:meth:`RedisEntries.seating_facts`: the last reply about the room, or the
one a refusal brought), and reach the scripts as a change's premises and
operations (:mod:`.operands`). It is a part of
:class:`~chatroom.backends.redis.redis_backend.RedisBackend`, which owns it.
"""

from __future__ import annotations

import json
from functools import partial
from sys import intern
from typing import Any, NoReturn

from twisted.internet import defer
from twisted.logger import Logger

from chatroom.backends.redis import decided, outcomes, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls, Refusals
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.encoded import stored_events
from chatroom.backends.redis.endings import Endings
from chatroom.backends.redis.node import ClusterNode
from chatroom.backends.redis.outcomes import RedisSeating
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replies import ENTRY_REFUSALS, key_of
from chatroom.backends.redis.room_calls import read_call
from chatroom.backends.redis.room_steps import RoomSteps
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import errors
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
)
from chatroom.core.model.changes.rooms import Emit, ReplyHistory
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.facts import (
    CreationFacts,
    RoomPolicy,
    SeatingFacts,
    WelcomeFacts,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key


class RedisEntries:
    """A node's joins, creates and leaves."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        calls: RedisCalls,
        node: ClusterNode,
        here: NodeRooms,
        sessions: Sessions,
        steps: RoomSteps,
        endings: Endings,
    ) -> None:
        self.config = config
        self.calls = calls
        self.node = node
        self.here = here
        self.sessions = sessions
        self.steps = steps
        self.endings = endings
        #: The seatings refusals brought, by room key and user, until the
        #: core reads them to decide again (:meth:`seating_facts`).
        self.brought: dict[tuple[str, str], RedisSeating] = {}
        #: The count of rooms a create's refusal brought, by room key, until
        #: the core reads it to decide again (:meth:`creation_facts`).
        self.counted: dict[str, CreationFacts] = {}

    async def seating_facts(
        self, member: Member, session: Session, room: str, latest: bool
    ) -> SeatingFacts:
        """Room ``room``'s facts about ``member``: those a refusal brought
        last, else (unless ``latest``) the seating this node had from its
        last reply about the room (nothing read: the apply checks the
        premises), else read now (``SEATINGS``: ``NO_SUCH_ROOM``)."""
        key, u = name_key(room), key_of(session)
        local = self.here.get(key)
        here = local is not None and self.here.is_in(member, local)
        brought = self.brought.pop((key, u), None)
        capacity = self.config.room_capacity
        if brought is None and latest:
            rows = await self.calls.eval(scripts.SEATINGS, {"room": key, "about": [u]})
            brought = outcomes.seated_all(rows)[key]
        if brought is not None:
            if not brought.exists:
                raise errors.no_such_room(room)
            if local is not None:
                local.seated = brought
            return decided.facts_of(brought, capacity, u, u in brought.present)
        if local is not None and here:
            seating = local.seating_of(member, u)
        else:
            known = local.seated if local is not None else None
            seating = known or outcomes.unknown(key, room)
        return decided.facts_of(seating, capacity, u, here, latest=False)

    def creation_facts(self, name: str) -> CreationFacts:
        """What a create's refusal brought last, else none known (the
        scripts check the premises: ``ENTERING`` the count of rooms,
        ``CREATE`` that there is no such room)."""
        return self.counted.pop(name_key(name), None) or CreationFacts("", 0)

    def _changed(self, key: str, u: str, changed: FactsChangedError) -> NoReturn:
        """Keep the seating a refusal brought, for the core's next read;
        :class:`PremiseFailedError` with the facts it says."""
        seating = (outcomes.brought(changed) or {}).get(key)
        if seating is None:
            raise PremiseFailedError() from changed
        self.brought[(key, u)] = seating
        local = self.here.get(key)
        if local is not None:
            local.seated = seating
        capacity = self.config.room_capacity
        present = u in seating.present
        facts = None
        if seating.exists:
            facts = decided.facts_of(seating, capacity, u, present)
        raise PremiseFailedError(facts) from changed

    async def enter(
        self,
        member: Member,
        session: Session,
        key: str,
        name: str,
        since: int | None,
        script: Script,
        operands: dict[str, Any],
        change: DecidedChange | None = None,
    ) -> WelcomeFacts | None:
        """Enter room ``key`` by ``script`` (create, join or view), as
        ``change`` (the core's decision; None: a view, which changes
        nothing), and answer what the join reply is built from, with the
        room's events that came after the join before the answer (the core
        shows the reply, then hands it those); None if the member is gone
        meanwhile (or, for a view, in the room here already).

        The node subscribes to the room's channel before the script runs, so
        no event after the joiner's welcome can be missed: those that come
        before the answer are kept on the room and answered with it.
        """
        if not self.node.available:  # don't wait for a subscription that can't come
            raise errors.unavailable()
        room = self.here.open(key, name)
        with self.here.kept(room):
            await room.when_subscribed()
            window = self._window(change, since)
            mark, read, after = await self._reply(
                script, {**operands, **window}, name, room, session, change
            )
            seen = outcomes.seated_all(after)
            if room.key in seen:
                room.seated = seen[room.key]
            view = _view(read, session.name)
            if member not in self.sessions:  # gone meanwhile
                if script is not scripts.VIEW:  # its release may have come first
                    u, token = key_of(session), session.token
                    await self.endings.leave_ended(room.key, u, token, session.name)
                return None
            if view.room != room.name:
                room.name = view.room
            view.room = room.name  # the one string its members' seats share
            if not room.incarnation:
                room.incarnation = intern(read[2].decode())  # its seating's
            if room.gone:  # deleted while our join was being answered
                self.here.close(room, room.farewell)
                raise errors.no_such_room(name)
            if view.joiner_quiet:
                room.hush(member)
            view.followed = self.here.seat_after(member, room, int(mark))
            self.log.info(
                "{user} joined {room}",
                user=self.sessions[member].name,
                room=room.name,
            )
            return view

    def _window(
        self, change: DecidedChange | None, since: int | None
    ) -> dict[str, Any]:
        """The history a joiner's reply shows, as ``view`` reads it: the
        newest ``--history`` events (``shown``), or the resume window the
        core decided (a view, which the core does not decide, from
        ``since``): the kept events ``after`` an id, at most the newest
        ``most``."""
        window = None if change is None else change.of(ReplyHistory)
        shown = self.config.history
        if window:
            return {"shown": shown, "after": window[0].after, "most": window[0].most}
        after = "" if since is None else since
        return {"shown": shown, "after": after, "most": self.config.resume_bound}

    async def _reply(
        self,
        script: Script,
        operands: dict[str, Any],
        name: str,
        room: NodeRoom,
        session: Session,
        change: DecidedChange | None,
    ) -> tuple[Any, list[Any], list[Any]]:
        """Enter ``room`` by ``script``: the room's newest event then (its
        mark), what the welcome is built from, and the seatings after. A
        create or a join is the server's step (``ENTERING``), the room's, and
        the server's step after (:mod:`.room_steps`) when it has anything to
        do; where the room's keys are in the server's slot (not
        :attr:`~.calls.RedisCalls.rooms_apart`), a join's server's step is
        ``JOIN``'s own: one round trip. The room's step returns once its
        event (the ``JOIN``) has come on the room's channel, which this
        node subscribed before it ran (:func:`_entered_here`), not after a
        ``PING``."""
        refusals: Refusals = {
            **ENTRY_REFUSALS,
            **MEMBERS_ONLY,  # VIEW's: the user left the room meanwhile
            b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name),
        }
        if change is None:
            _, mark, read, after = await self.calls.call(
                script, operands, refusals=refusals
            )
            return mark, read, after
        u = key_of(session)
        if script is scripts.JOIN and not self.calls.rooms_apart:
            # The room's keys are in the server's slot: the server's step
            # (the session's check, the index) is JOIN's own, one script.
            room_step, others = {"token": session.token}, None
        else:
            room_step, others = await self._entering(u, session, change, refusals)
        try:
            reply = await self.calls.call(
                script,
                {**operands, **room_step, "change": change},
                refusals=refusals,
                arrived=partial(_entered_here, room, _emits(change)),
            )
        except FactsChangedError as changed:
            self._changed(change.room, u, changed)
        _, mark, read, after = reply[:4]
        if others is None:  # answered by JOIN, the server's step its own
            others = reply[4]
        shown = change.room if int(others) else ""
        await self._index_last([], u, session.token, shown)
        return mark, read, after

    async def _entering(
        self,
        u: str,
        session: Session,
        change: DecidedChange,
        refusals: Refusals,
    ) -> tuple[dict[str, Any], Any]:
        """``ENTERING``, the server's step before the room's, where it is a
        script of its own (the room in a slot of its own; a create's
        listing and ``--max-rooms``): the room step's operands it answers
        (the records of the users seated, a create's number), and how many
        other sessions hold u."""
        operands = {"change": change, "user": u, "token": session.token}
        try:
            first = await self.calls.step(scripts.ENTERING, operands, refusals=refusals)
        except FactsChangedError as changed:  # --max-rooms: how many there are
            reply = changed.args[0]
            facts = CreationFacts("", int(reply[2]))
            self.counted[change.room] = facts
            raise PremiseFailedError(
                facts, change.premises[int(reply[1]) - 1]
            ) from None
        _, records, created, others = first
        return {"records": json.loads(records), "created": created}, others

    async def _index_last(
        self, left: list[DecidedChange], u: str = "", token: str = "", shown: str = ""
    ) -> None:
        """The server's step after the rooms' (:meth:`RoomSteps.index_last`)
        once the member's command is done in the rooms: if Redis cannot
        take it, the indexes name a room too many, which they may."""
        try:
            await self.steps.index_last(left, u, token, shown)
        except ChatError as failure:
            self.log.warn(
                "the indexes still name rooms {rooms} left: {failure}",
                rooms=[change.room for change in left],
                failure=failure.code,
            )

    async def leave(
        self, member: Member, session: Session, change: DecidedChange
    ) -> None:
        """Out of room ``change.room`` as the core decided: the node stops
        delivering its events to the member while ``LEAVE`` (the room's
        step) runs, then replays those from before the member's departure;
        the server's step follows (``INDEX_LAST``: the room out of the
        user's rooms). A refusal brings the room's seating for the core to
        decide on again; if Redis has the member out of the room already
        (deleted, say), it is out here too."""
        where = self.here.joined_room(member, change.room)
        with self.here.kept(where):  # while the member is detached from it
            await self._leave(member, session, change, where)

    async def _leave(
        self,
        member: Member,
        session: Session,
        change: DecidedChange,
        where: NodeRoom,
    ) -> None:
        last_seen = where.detach(member)
        u = key_of(session)
        try:
            reply = await self.steps.leave(u, session.token, change)
        except FactsChangedError as changed:
            seating = (outcomes.brought(changed) or {}).get(where.key)
            if seating is not None and u not in seating.present:
                where.seated = seating if seating.exists else where.seated
                where.unhush(member)
                self.here.unseat(member, where)  # Redis had it in no room already
                return
            if member in self.sessions and not where.gone:
                where.attach(member, last_seen)
            self._changed(where.key, u, changed)
        except BaseException:
            if member in self.sessions and not where.gone:
                where.attach(member, last_seen)
            raise
        where.seated = outcomes.seated_all(reply[2]).get(where.key, where.seated)
        await self._index_last([change])
        where.replay(member, last_seen, before=int(reply[1]) + 1)
        where.unhush(member)
        self.here.unseat(member, where)

    # -- an account's devices on several nodes ---------------------------------

    async def view(
        self, member: Member, session: Session, key: str, since: int | None = None
    ) -> WelcomeFacts | None:
        """Seat ``member`` here in room ``key``, which its user is in by
        another node's device, answering what its devices' join replies
        are built from; None if it is here already (or gone).
        ``NOT_IN_ROOM`` if the user is no longer in it, ``NO_SUCH_ROOM``
        if it is gone, ``UNAVAILABLE``: the caller decides what that means
        (a join answered ``ALREADY_IN_ROOM`` joins again, news is dropped)."""
        room = self.here.get(key)
        if member not in self.sessions or (room and self.here.is_in(member, room)):
            return None
        operands = {"room": key, "user": key_of(session), "token": session.token}
        return await self.enter(
            member, session, key, key, since, scripts.VIEW, operands
        )


def _emits(change: DecidedChange) -> bool:
    """Whether the room's step of ``change`` publishes an event."""
    return any(isinstance(op, Emit) for op in change.ops)


def _entered_here(
    room: NodeRoom, emits: bool, reply: Any
) -> defer.Deferred[None] | None:
    """When a room's step that answered ``{'OK', mark, ...}`` has its
    events here, for :meth:`~.calls.RedisCalls.call`: its last event (the
    step's mark, the newest after it) on the room's channel, which this
    node subscribed before the step ran; at once if it published none (a
    quiet join). None for any other answer: the ``PING``."""
    if not (isinstance(reply, list) and len(reply) > 1 and reply[0] == b"OK"):
        return None
    if not emits:
        return defer.succeed(None)
    return room.reached(int(reply[1]))


def _view(read: list[Any], joiner: str) -> WelcomeFacts:
    """What a join reply is built from, as ``view`` (the prelude) read it."""
    name, capacity, _incarnation, topic, topic_by, topic_at = read[:6]
    members, quiet, total, owner, history, first, last, hidden, pins, policy = read[
        6:16
    ]
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
        quiet=frozenset(name.decode() for name in hidden),
        pins=int(pins),
        policy=RoomPolicy.from_json(policy),
        call=read_call(read[16]),
    )
