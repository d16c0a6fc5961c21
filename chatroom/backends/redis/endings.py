"""Sessions' ends (a release, a takeover, a kill, a server ban, a
harvest), one slot per step.

A session that ends takes its user out of every room it is in and frees
its name, unless another session still holds the user (a device of its
account on another node). With the rooms spread over a Redis Cluster's
shards that is the server's keys and each room's, so an end is steps in
the order of docs/scaling.md's rule (the index first, the room second;
out in the other order):

1. the server's step (``RELEASE``, the server bans' apply
   ``server-bans-apply``, a ``/kill``'s and a takeover's too, ``HARVEST``):
   who actually leaves
   (a session that is not the last holder of its user lets go,
   ``let_go``), each of them marked ending
   (``P ending``: from then on no session holds it and nobody can claim
   its name) and its sessions told to end; it answers each leaver's rooms
   and the rooms' copies to refresh first (a device gone or an heir, a
   rename of a leaver's still pending);
2. those copies (:class:`~.copies.MemberCopies`) and the seatings the
   node has not (``SEATINGS``), together; then the rooms are reported to
   the core, which decides each room's departures
   (:mod:`chatroom.core.rooms.departures`: only the seats the ended
   session holds, as each room's copy of the member names them) and hands
   them back as a change (``APPLY``, :meth:`Endings.apply`), the rooms
   together;
3. the server's last step (``ENDED``): the indexes that named the rooms
   left (``index_last``) and the names freed.

A node that dies between the steps leaves the mark: the name stays taken
by a session that no longer holds it, and its rooms may still list it.
Whatever releases that session next runs the steps again from the first,
which carries the mark on (``ending_by``): the node's resume (the
sessions Redis has of it that it no longer has, ``tidy``), or the
harvest of a dead node; a kill's or a ban's target's node releases it
when told to end it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from twisted.internet.defer import Deferred

from chatroom.backends.redis import decided, outcomes, scripts
from chatroom.backends.redis.calls import RedisCalls, Refusals, together
from chatroom.backends.redis.copies import MemberCopies
from chatroom.backends.redis.outcomes import RedisSeating
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.room_steps import RoomSteps, leaves_an_index
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.rooms import Wait
from chatroom.core.model.events import DepartureKind
from chatroom.core.model.facts import EndedUser, Ending
from chatroom.core.model.nodemessages import EndSession

#: Why a session whose node no longer has it ends.
LOST = "connection lost"

#: How long (ms) a session ended while its node was out of touch stays
#: listed as ended, with its reason, for that node's resume (``RESUME``);
#: a node away longer is harvested and its sessions released.
ENDED_FOR = 86_400_000


def telling(*reasons: str) -> dict[str, Any]:
    """What the server's step of an end is handed to tell each session it
    ends (``start_ending``): ``ended``, the node's
    :class:`~chatroom.core.model.nodemessages.EndSession` of each reason
    (encoded; a release's, "", tells nobody), and ``ttl``, how long a
    session ended while its node was out of touch stays listed with its
    reason (:data:`ENDED_FOR`)."""
    ended = {
        reason: codec.encode(EndSession(reason)).decode()
        for reason in reasons
        if reason
    }
    return {"ended": ended, "ttl": ENDED_FOR}


#: Operands: ``changes`` (the departures whose rooms' steps were applied)
#: and ``ended``, ``[u, token]`` of each user whose end it is
#: (``start_ending`` answered them). The server's last step of sessions'
#: ends: the indexes that named the rooms left go (``index_last``: a user's
#: rooms, the listing of a room dropped), then each name is freed, unless
#: its end was finished meanwhile (the mark gone or another's).
ENDED = Script("ended")


class Leaver(NamedTuple):
    """A user whose end the server's step started: what its departures are
    decided on (its name, its rooms) and its name freed by (the token)."""

    u: str
    token: str
    name: str
    rooms: list[str]


def leavers_of(rows: list[list[Any]]) -> list[Leaver]:
    """The leavers a server's step answered (``start_ending``'s rows)."""
    return [
        Leaver(u.decode(), token.decode(), name.decode(), [r.decode() for r in rooms])
        for u, token, name, rooms in rows
    ]


@dataclass(eq=False)
class _Departing:
    """An end under way: the users leaving, whether its steps run while
    the node is unavailable (``always``: its own harvest as it stops), and
    the rooms' changes applied so far, for the server's last step.

    Each is itself alone (compared by identity): two ends of the same user
    in the same room at once (its release, and a join cut short by it,
    :meth:`Endings.leave_ended`) are two entries, and one finishing never
    takes the other's out of the room's list, nor its changes."""

    users: frozenset[str]
    always: bool
    applied: list[DecidedChange] = field(default_factory=list)


class Endings:
    """A node's runs of sessions' ends: the server's step, the rooms', the
    server's last."""

    def __init__(
        self,
        calls: RedisCalls,
        room_steps: RoomSteps,
        sessions_ended: Callable[[Ending], Awaitable[None]],
    ) -> None:
        """Args:
        sessions_ended: tells the core the rooms sessions' ends leave
            (the core decides their departures: the back-end's reports).
        """
        self.calls = calls
        self.room_steps = room_steps
        self.sessions_ended = sessions_ended
        self.copies = MemberCopies(calls)
        #: The ends under way whose rooms the core is deciding, by room key.
        self._departing: dict[str, list[_Departing]] = {}
        #: This node's ends under way (its releases from their start), by
        #: name key: a claim of that name here waits for them (a user who
        #: reconnects with it at once, another who takes a name harvested).
        self._releasing: dict[str, Deferred[None]] = {}

    def releasing(self, key: str, running: Deferred[None]) -> None:
        """Name ``key``'s end is ``running`` (its failures handled)."""
        self._releasing[key] = running

        def done(result: None) -> None:
            if self._releasing.get(key) is running:
                del self._releasing[key]
            return result

        running.addBoth(done)

    def under_way(self, key: str) -> Deferred[None] | None:
        """This node's end of name ``key`` if one is under way (or waits
        its turn), else None."""
        return self._releasing.get(key)

    async def released(self, key: str) -> None:
        """Once this node's end of name ``key``, if under way, is done:
        as when it was one script, a name an end frees is free again for
        this node's next claim."""
        running = self._releasing.get(key)
        if running is not None:
            await running

    async def end(
        self,
        script: Script,
        operands: Mapping[str, Any],
        kind: DepartureKind,
        reason: str,
        refusals: Refusals,
        waits_until: int = 0,
        known: dict[str, RedisSeating] | None = None,
        own_words: bool = False,
        always: bool = False,
    ) -> Any:
        """The server's step ``script`` with ``operands`` (answering ``OK``,
        the leavers, the copies to refresh, then its own), then the
        leavers' departures (of ``kind``, saying ``reason``; their rooms
        waiting until ``waits_until`` if they empty, for a harvest) and
        the server's last step. ``known``: the seatings this node has of a
        single leaver's rooms, read from Redis otherwise. Returns the
        server's step's reply."""
        reply = await self.calls.step(
            script, operands, refusals=refusals, always=always
        )
        leavers = leavers_of(reply[1])
        leaving = {leaver.u.encode() for leaver in leavers}
        # A leaver's rename still pending is finished before its seatings
        # are read (its rooms then list it by its name), not sent together
        # with those reads: a script Redis does not know yet is sent again
        # by its source, after the reads (calls' NOSCRIPT).
        await together(
            self.copies.refresh(u, rooms, record, formers, always=always)
            for u, rooms, record, formers in reply[2]
            if u in leaving
        )
        refreshes = [
            self.copies.refresh(u, rooms, record, formers, always=always)
            for u, rooms, record, formers in reply[2]
            if u not in leaving
        ]
        about: dict[str, list[str]] = {}
        for leaver in leavers:
            for room in leaver.rooms:
                about.setdefault(room, []).append(leaver.u)
        seen = dict(known or {}) if len(leavers) == 1 else {}
        seen = {key: room for key, room in seen.items() if key in about}
        reads = [
            self.calls.eval(
                scripts.SEATINGS, {"room": key, "about": users}, always=always
            )
            for key, users in about.items()
            if key not in seen
        ]
        done = await together([*refreshes, *reads])
        seen.update(
            outcomes.seated_all(row for read in done[len(refreshes) :] for row in read)
        )
        if not leavers:
            return reply
        finished: Deferred[None] = Deferred()
        for leaver in leavers:
            self.releasing(leaver.u, finished)
        try:
            await self._leave(
                leavers, about, seen, kind, reason, waits_until, own_words, always
            )
        finally:
            finished.callback(None)
        return reply

    async def _leave(
        self,
        leavers: list[Leaver],
        about: dict[str, list[str]],
        seen: dict[str, RedisSeating],
        kind: DepartureKind,
        reason: str,
        waits_until: int,
        own_words: bool,
        always: bool,
    ) -> None:
        """The leavers' departures from the rooms ``about`` (room → the
        leavers it lists), decided on the seatings ``seen``
        (:meth:`departed`), then the server's last step (``ENDED``)."""
        users = [EndedUser(leaver.u, leaver.name, leaver.token) for leaver in leavers]
        applied = await self.departed(
            users, about, seen, kind, reason, waits_until, own_words, always
        )
        left = [change for change in applied if leaves_an_index(change)]
        ended = [[leaver.u, leaver.token] for leaver in leavers]
        operands = {"changes": left, "ended": ended}
        await self.calls.call(ENDED, operands, refusals={}, always=always)

    async def departed(
        self,
        users: Sequence[EndedUser],
        about: dict[str, list[str]],
        seen: dict[str, RedisSeating],
        kind: DepartureKind,
        reason: str,
        waits_until: int = 0,
        own_words: bool = False,
        always: bool = False,
    ) -> list[DecidedChange]:
        """``users`` leave the rooms ``about`` (room → the users it
        lists) where their ended sessions hold their seats, reported to
        the core with the seatings ``seen``:
        :mod:`chatroom.core.rooms.departures` decides them and hands each
        room's back (:meth:`apply`). The changes stored, whose server's
        step after them is the caller's."""
        rooms = tuple(decided.leaving_of(seen[key]) for key in about)
        ending = Ending(tuple(users), rooms, kind, reason, waits_until, own_words)
        departing = _Departing(frozenset(user.key for user in users), always)
        for key in about:
            self._departing.setdefault(key, []).append(departing)
        try:
            await self.sessions_ended(ending)
        finally:
            for key in about:
                self._departing[key].remove(departing)
                if not self._departing[key]:
                    del self._departing[key]
        return departing.applied

    async def leave_ended(self, key: str, u: str, token: str, name: str) -> None:
        """u (named ``name``), whose session ``token`` ended while it
        entered room ``key``, leaves it if its release ran between the
        server's step and the room's, which then seated u after it. Nothing
        while the session still holds u (its release is still to come, and
        takes u out, saying why), nor if u is not in the room (its release
        came after the room's step)."""
        if await self.calls.eval(scripts.HOLDS, {"user": u, "token": token}) == b"OK":
            return
        read = await self.calls.eval(scripts.SEATINGS, {"room": key, "about": [u]})
        seen = outcomes.seated_all(read)
        lost = DepartureKind.QUIT
        ended = [EndedUser(u, name, token)]
        applied = await self.departed(ended, {key: [u]}, seen, lost, LOST)
        await self.room_steps.index_last(applied)

    async def apply(self, change: DecidedChange) -> None:
        """A room's departures as the core decided them: the server's step
        first if the room is to wait (``INDEX_FIRST``), then the room's
        (``APPLY``: :class:`PremiseFailedError` with the seating it brings);
        the server's step after it is the end's last (``ENDED``)."""
        about = set(change.about)
        departing = next(
            (d for d in self._departing.get(change.room, ()) if about <= d.users),
            None,
        )
        always = departing is not None and departing.always
        if change.of(Wait):
            await self.calls.step(
                scripts.INDEX_FIRST, {"changes": [change]}, refusals={}, always=always
            )
        refusal = await self.room_steps.applied(change, always)
        if refusal is not None:
            seating = refusal.get(change.room)
            now = None if seating is None else decided.leaving_of(seating)
            raise PremiseFailedError(now)
        if departing is not None:
            departing.applied.append(change)
        else:  # an end this node does not know (none): its own step after
            await self.room_steps.index_last([change])
