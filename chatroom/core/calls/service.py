"""A room's call: who may start, join, leave and signal in it, decided once.

A room has at most one call. A member's connection starts it (or joins the
one already on: two members pressing *Start call* at once get one call),
other members' connections join it, and it ends when its last participant
leaves, by ``/call leave``, by leaving the room (``/leave``, a kick, a ban,
``/quit``, a lost connection, a ``/join`` elsewhere) or with its node. A
participant is one connection and one name: an account in a call from two
devices is refused the second, and a connection is in at most one call.

Each change is decided on the call as the back-end's
:class:`~chatroom.core.model.calls.CallStore` reads it and handed to the
back-end's one ``apply`` as a :class:`~chatroom.core.model.changes.calls.RoomCall`
change resting on that call (:class:`CallIs`, :class:`Participants`); one
refused because the call changed meanwhile (another node) is decided again.
What happened is told to the room's members as typed events on the bus
(:class:`~chatroom.core.model.events.CallStarted` ...), and nothing of it is
stored.

Signalling goes from one participant's connection to another's only: a
connection of this process is handed it directly (:attr:`Calls.connections`),
one of another node through the bus to its session (the node serves it).
The server reads a signal only to check it is one JSON object; it never
touches the media.

Departures from the room are seen where they are decided: every change of a
room's seating or moderation passes through :meth:`Calls.following` on its
way to the back-end, which takes the users a change removes out of the
room's call once it is applied (and ends the call of a room dropped). A
departure decided on another node than the participant's is reported on
the participant's (:meth:`Calls.departed_elsewhere`). A name's change passes
there too: a participant's ``/nick`` renames it in its call. A room's
rename moves its call in the back-end, and the connections in it follow
(:meth:`Calls.room_renamed`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, NamedTuple

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.calls.turn import credentials
from chatroom.core.infra.applying import Applied, Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.calls import CallStore
from chatroom.core.model.changes.base import DecidedChange, Operation, RoomSubject
from chatroom.core.model.changes.calls import (
    CallFacts,
    CallIs,
    EndCall,
    JoinCall,
    LeaveCall,
    Participant,
    Participants,
    RenameParticipant,
    RoomCall,
    StartCall,
)
from chatroom.core.model.changes.moderation import KickMember
from chatroom.core.model.changes.rooms import Drop, Emit, RemoveMember
from chatroom.core.model.changes.server import TakeName
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    CallEnded,
    CallJoined,
    CallLeft,
    CallMembers,
    CallMembersChanged,
    CallStarted,
    Departure,
    DepartureKind,
    RoomEvent,
    Signal,
    TurnGranted,
)
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.server.bus import Bus
from chatroom.core.services.identities import Identities

log = Logger()

#: The page's address when the server has none (no HTTP door).
NO_PAGE = "-"

#: Who ended a call when nobody left it by itself (its room or node went).
NOBODY = "-"


class InCall(NamedTuple):
    """A connection of this process in a call: the room's name key, the
    call and the connection as its participant."""

    room: str
    call: str
    participant: Participant


def new_call_id() -> str:
    """A call's id: letters and digits, unique in the cluster for its life."""
    return secrets.token_hex(8)


def is_json_object(text: str) -> bool:
    """Whether ``text`` is one JSON object (what a signal must be)."""
    try:
        found = json.loads(text)
    except ValueError:
        return False
    return isinstance(found, dict)


def leaving(facts: CallFacts, users: frozenset[str]) -> DecidedChange | None:
    """The change that takes ``users`` (name keys) out of the call, and ends
    it if nobody is left; None if none of them is in it."""
    gone = [p for p in facts.participants if p.user in users]
    if not gone:
        return None
    ops: list[Operation] = [LeaveCall(p.user) for p in gone]
    if len(gone) == len(facts.participants):
        ops.append(EndCall())
    premises = (
        CallIs(facts.call),
        Participants(tuple(p.user for p in facts.participants)),
    )
    return DecidedChange(RoomCall(name_key(facts.room)), premises, tuple(ops))


class Departing(NamedTuple):
    """Who a room's change takes out of it: ``users`` by their own doing
    (a leave, a quit, a lost connection, a kick), ``harvested`` with their
    node (name keys); and whether it drops the room."""

    users: frozenset[str]
    harvested: frozenset[str]
    dropped: bool


def departing(change: DecidedChange) -> Departing:
    """Who a room's change takes out of it, and whether it drops it."""
    users: set[str] = set()
    harvested: set[str] = set()
    dropped = False
    for op in change.ops:
        if isinstance(op, RemoveMember | KickMember):
            users.add(op.user)
        elif isinstance(op, Drop):
            dropped = True
        elif (
            isinstance(op, Emit)
            and isinstance(op.event, Departure)
            and op.event.kind is DepartureKind.HARVEST
        ):
            harvested.add(name_key(op.event.user))
    return Departing(
        frozenset(users - harvested), frozenset(harvested & users), dropped
    )


class Calls:
    """``/call`` and its actions, for every door that speaks the line
    protocol (the web page among them)."""

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        store: CallStore,
        apply: Callable[[DecidedChange], Awaitable[object]],
        bus: Bus,
        identities: Identities,
    ) -> None:
        """Args:
        store: the rooms' calls as the back-end keeps them.
        apply: the back-end's one write.
        bus: where what happened is told (the room's members, a participant
            on another node).
        """
        self.config = config
        self.clock = clock
        self.store = store
        self.apply = apply
        self.bus = bus
        self.identities = identities
        #: This process's connections in a call.
        self.here: dict[Member, InCall] = {}
        #: The same by their participants' connection ids (a signal's way in).
        self.connections: dict[str, Member] = {}
        self._prefix = secrets.token_hex(4)
        self._numbered = 0

    def _connection_id(self, token: str) -> str:
        """An id for a connection of this process, unique in the cluster: the
        session's token (which names the node) and a number."""
        self._numbered += 1
        return f"{token}/{self._prefix}{self._numbered}"

    def _now(self) -> int:
        return int(self.clock.seconds())

    # -- what the doors call -------------------------------------------------------

    async def members(self, member: Member, room: str) -> CallMembers:
        """``/call [ROOM]``: who is in the room's call (``NOT_IN_ROOM``)."""
        where = self.identities.joined_room(member, room)
        facts = await self.store.call_of(name_key(where))
        if facts is None:
            return CallMembers(where, "", ())
        return CallMembers(where, facts.call, facts.names)

    async def start(self, member: Member, room: str, page: str) -> None:
        """``/call start``: a call in ``room`` with ``member`` in it, or the
        one on there joined. ``page``: the web page's address, where the
        others join it ("" without one)."""
        await self._enter(member, room, page, starting=True)

    async def join(self, member: Member, room: str) -> None:
        """``/call join``: ``member`` joins the call on in ``room``
        (``NO_SUCH_CALL`` if none is)."""
        await self._enter(member, room, "", starting=False)

    async def _enter(
        self, member: Member, room: str, page: str, starting: bool
    ) -> None:
        where = self.identities.joined_room(member, room)
        if member in self.here:
            raise errors.not_allowed("you are in a call already: /call leave first")
        session = self.identities.session(member)
        key = name_key(where)
        me = Participant(
            session.name,
            name_key(session.name),
            session.token,
            self._connection_id(session.token),
            self.identities.device_number(member),
        )

        async def attempt() -> tuple[CallFacts, bool]:
            facts = await self.store.call_of(key)
            if facts is None:
                if not starting:
                    raise errors.no_such_call(where)
                call = CallFacts(where, new_call_id(), self._now(), (me,))
                start = StartCall(call.call, where, call.since, me)
                await self.apply(DecidedChange(RoomCall(key), (CallIs(""),), (start,)))
                return call, True
            if facts.of(me.user) is not None:
                raise errors.not_allowed(
                    "you are in this call already, from another connection"
                )
            users = tuple(p.user for p in facts.participants)
            premises = (CallIs(facts.call), Participants(users))
            await self.apply(DecidedChange(RoomCall(key), premises, (JoinCall(me),)))
            return replace(facts, participants=(*facts.participants, me)), False

        facts, started = await retried(attempt)
        self.here[member] = InCall(key, facts.call, me)
        self.connections[me.connection] = member
        told: RoomEvent
        if started:
            told = CallStarted(where, facts.call, me.name, page or NO_PAGE)
        else:
            told = CallJoined(where, facts.call, me.name)
        await self.bus.attach(where, told)
        if self.config.turn_uri:
            ttl = self.config.turn_ttl
            made = credentials(
                self.config.turn_secret, me.name, self.clock.seconds(), ttl
            )
            member.deliver(
                TurnGranted(ttl, made.username, made.password, self.config.turn_uri)
            )
        member.deliver(CallMembers(where, facts.call, facts.names))

    async def leave(self, member: Member) -> None:
        """``/call leave``: out of the call ``member`` is in
        (``NO_SUCH_CALL`` if none)."""
        held = self.here.get(member)
        if held is None:
            raise errors.no_such_call()
        await self._out(held.room, frozenset((held.participant.user,)), by_itself=True)

    async def signal(self, member: Member, user: str, text: str) -> None:
        """``/call signal USER JSON``: ``text`` to ``user``'s connection in
        ``member``'s call, and to nobody else (``NOT_ALLOWED`` unless both
        are in it; ``BAD_ARGS`` unless it is one JSON object)."""
        held = self.here.get(member)
        if held is None:
            raise errors.not_allowed("you are in no call: /call join first")
        facts = await self.store.call_of(held.room)
        to = (
            facts.of(name_key(user))
            if facts is not None and facts.call == held.call
            else None
        )
        if facts is None or to is None or to.user == held.participant.user:
            raise errors.not_allowed(f"{user} is not in your call")
        if not is_json_object(text):
            raise errors.bad_args("a signal is one JSON object")
        here = self.connections.get(to.connection)
        if here is not None:
            here.deliver(Signal(facts.room, held.participant.name, text))
            return
        event = Signal(facts.room, held.participant.name, text, to.device)
        await self.bus.tell(Target(to.name, session=to.token), event)

    def gone(self, member: Member) -> None:
        """``member``'s connection is gone: out of its call, if it is in one
        (not awaited: the connection's end goes on)."""
        held = self.here.get(member)
        if held is not None:
            self._background(
                self._out(
                    held.room, frozenset((held.participant.user,)), by_itself=True
                )
            )

    # -- departures: every room's change on its way to the back-end ----------------

    def following(self, apply: Applies) -> Applies:
        """``apply`` (the back-end's), followed for each change of a room that
        takes members out of it or drops it by those members' leaving its
        call (or the call's end)."""

        async def applied(
            change: DecidedChange,
            member: Member | None = None,
            session: Session | None = None,
        ) -> Applied:
            answer = await apply(change, member, session)
            subject = change.subject
            if isinstance(subject, RoomSubject) and type(subject) is not RoomCall:
                gone = departing(change)
                if gone.users or gone.harvested or gone.dropped:
                    await self._departed(change.room, gone)
            for take in change.of(TakeName):
                if take.old and self.here:
                    await self._renamed(take)
            return answer

        return applied

    # -- what the back-end reports: a room's rename, a departure elsewhere ---------

    def room_renamed(self, old: str, new: str) -> None:
        """Room ``old`` (its key) is keyed ``new`` now: this process's
        connections in its call are in it under that key (the back-end
        moved the call itself with the room)."""
        for member, held in list(self.here.items()):
            if held.room == old:
                self.here[member] = held._replace(room=new)

    def departed_elsewhere(self, room: str, user: str) -> None:
        """``user`` is out of room ``room`` by a change another node decided
        (a device of its account left there, or was kicked there): its
        connection here in the room's call leaves it, and the room's
        members are told as for any leave (not awaited: the node's
        delivery goes on)."""
        users = frozenset((name_key(user),))
        if self._in_call_here(room, users):
            self._background(self._out(room, users, by_itself=True))

    # -- a participant's new name ---------------------------------------------------

    async def _renamed(self, take: TakeName) -> None:
        """Session ``take.token`` is called ``take.shown`` now: its
        connection here in a call is that participant under the new name,
        its room's members told the call's participants anew
        (``CALL_MEMBERS``), and signals reach it by that name."""
        for member, held in list(self.here.items()):
            me = held.participant
            if me.token != take.token or me.user != take.old:
                continue
            renamed = replace(me, name=take.shown, user=name_key(take.shown))
            try:
                facts = await self._rename(held, renamed)
            except ChatError as refused:  # Redis away: the new name stands
                log.info("a participant's new name not in its call: {why}", why=refused)
                continue
            except Exception:  # the new name stands; its call keeps the old
                log.failure("a participant's new name in its call")
                continue
            if facts is None:
                continue
            if self.here.get(member) == held:
                self.here[member] = held._replace(participant=renamed)
            await self.bus.attach(
                facts.room, CallMembersChanged(facts.room, facts.call, facts.names)
            )

    async def _rename(self, held: InCall, renamed: Participant) -> CallFacts | None:
        """``held``'s participant called as ``renamed`` in its call, decided
        on the call as it is: the call as it now is, or None when the
        participant is in it no more."""

        async def attempt() -> CallFacts | None:
            facts = await self.store.call_of(held.room)
            old = held.participant.user
            if facts is None or facts.call != held.call or facts.of(old) is None:
                return None
            users = tuple(p.user for p in facts.participants)
            premises = (CallIs(facts.call), Participants(users))
            op = RenameParticipant(old, renamed)
            await self.apply(DecidedChange(RoomCall(held.room), premises, (op,)))
            participants = tuple(
                renamed if p.user == old else p for p in facts.participants
            )
            return replace(facts, participants=participants)

        return await retried(attempt)

    async def _departed(self, room: str, gone: Departing) -> None:
        """Those who left room ``room`` leave its call (the call's end told
        as by nobody when their node went, or the room)."""
        try:
            if gone.users and self._in_call_here(room, gone.users):
                await self._out(room, gone.users, by_itself=True)
            if gone.harvested:
                await self._out(room, gone.harvested, by_itself=False)
            if gone.dropped:
                await self._out(room, None, by_itself=False)
        except ChatError as refused:  # Redis away: the departure stands
            log.info("a departure's call not mended: {why}", why=refused)
        except Exception:  # the departure stands; the call is mended next time
            log.failure("a departure's call")

    def _in_call_here(self, room: str, users: frozenset[str]) -> bool:
        """Whether one of ``users`` is in room ``room``'s call by a connection
        of this process. A leave is decided where the leaving connection
        is, so a leave elsewhere reads nothing of calls (a room's busy
        path): an account whose call is on one node and whose other device
        takes it out of the room through another leaves the call when the
        node of its participant hears of that departure
        (:meth:`departed_elsewhere`)."""
        return any(
            held.room == room and held.participant.user in users
            for held in self.here.values()
        )

    async def _out(
        self, room: str, users: frozenset[str] | None, by_itself: bool
    ) -> None:
        """``users`` (every participant: None) out of room ``room``'s call,
        as decided on the call as it is; the members told."""

        async def attempt() -> tuple[CallFacts, DecidedChange] | None:
            facts = await self.store.call_of(room)
            if facts is None:
                return None
            out = (
                users
                if users is not None
                else frozenset(p.user for p in facts.participants)
            )
            change = leaving(facts, out)
            if change is None:
                return None
            await self.apply(change)
            return facts, change

        done = await retried(attempt)
        if done is None:
            return
        facts, change = done
        gone = {op.user for op in change.of(LeaveCall)}
        last = ""
        for p in facts.participants:
            if p.user not in gone:
                continue
            member = self.connections.pop(p.connection, None)
            if member is not None:
                self.here.pop(member, None)
            await self.bus.attach(facts.room, CallLeft(facts.room, facts.call, p.name))
            last = p.name
        if change.of(EndCall):
            seconds = max(0, self._now() - facts.since)
            by = last if by_itself else NOBODY
            await self.bus.attach(
                facts.room, CallEnded(facts.room, facts.call, by, seconds)
            )

    def _background(self, work: Any) -> None:
        Deferred.fromCoroutine(work).addErrback(
            lambda failure: log.failure("a call's departure", failure)
        )
