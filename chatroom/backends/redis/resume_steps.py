"""A node's resume, one slot per step, the server's in chunks.

A resume makes Redis agree with what a node holds after a start or a
lost link (:class:`~.node.ClusterNode`). With the rooms spread over a
Redis Cluster's shards it is the server's steps, then one script per
room, in the order of docs/scaling.md's rule (the index first, the room
second):

1. the server's step (``RESUME``), a chunk of at most
   :data:`~.node_scripts.RESUME_CHUNK` users a call, one call after
   another, then the node's rooms as many a call: the node registered,
   the sessions others ended and the server's bans read, its users'
   names and accounts re-claimed, each room listed (``list_room``) and in
   its users' rooms (``P in``), and the records (who holds each user, its
   name and account) the rooms' steps copy. Redis runs one script at a
   time, and when every node resumes together (Redis back after an
   outage) each node's call waits behind one chunk of each of the
   others', never behind their whole resumes: no node's call waits past
   ``--redis-timeout`` for the others' (which would drop its link, and
   start its resume again);
2. the node's index of its sessions (``P sessions:n``) read a page a call
   (``RESUME_INDEX``, :data:`~.node_scripts.RESUME_PAGE` entries), each
   page's entries the node no longer holds handed back with the next
   page's read: its devices' holds go, and its
   users' own sessions it no longer has are answered stale (for
   ``tidy``); then ``RESUME_END`` drops the lists of its sessions others
   ended, which step 1 has read;
3. each room's step (``RESUME_ROOM``), sent together: the room made
   again if its keys are gone, the node's users seated there unless
   members already, their copies written, and the events the node missed
   read (past a Redis that came back behind the node, the room moved on);
   with them, the copies of users whose holders changed in rooms no step
   seats them in (:class:`~.copies.MemberCopies`), after the rooms' steps
   on each room's link.

Every step is idempotent, and a resume cut short (a link lost, Redis
unavailable) is simply run again from the start, so a node that dies or
loses its link between the steps leaves at worst an index naming a room
too many (a listing entry, a user's room) and rooms whose copies still
name a device's session gone, until the next resume runs their steps: a
node that dies is harvested, which clears its users' rooms, and the
listing skips a room that is gone. The node serves nothing meanwhile
(``ERR UNAVAILABLE``): it serves once every step has answered.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, NamedTuple

from chatroom.backends.redis import node_scripts
from chatroom.backends.redis.calls import RedisCalls, together
from chatroom.backends.redis.copies import MemberCopies
from chatroom.redisclient.resp import reply_text


class Resumed(NamedTuple):
    """What a resume found, for the node to act on."""

    #: The users that are not this node's any more (``token`` or
    #: ``token reason``).
    failed: list[bytes]
    #: Per room: key, incarnation, seq, missed (``RESUME_ROOM``'s answer).
    rooms: list[list[Any]]
    #: The sessions Redis had of this node that it no longer has (u, token...).
    stale: list[bytes]
    #: Its users' places it no longer has (``r u`` each).
    stale_places: list[bytes]
    #: The rooms it named (to settle).
    named: list[bytes]


class ServerSteps(NamedTuple):
    """What the server's steps of a resume answered."""

    failed: list[bytes]
    #: Per room: its step's arguments (``RESUME_ROOM``'s).
    steps: list[dict[str, Any]]
    stale: list[bytes]
    stale_places: list[bytes]
    named: list[bytes]
    #: The copies to refresh (u, record, rooms, formers each).
    copies: list[list[Any]]


class HeldUser(NamedTuple):
    """A user the node holds, as ``RESUME`` re-claims it."""

    #: Its key.
    u: str
    token: str
    display: str
    #: '' for none.
    account: str
    #: The keys of the rooms it is in here.
    rooms: list[str]

    def operand(self) -> list[Any]:
        """It in ``RESUME``'s ``users``: its fields, its rooms a list."""
        return [self.u, self.token, self.display, self.account, self.rooms]


class HeldRoom(NamedTuple):
    """A room the node holds or keeps (a permanent one): ``RESUME``'s row
    of it, and the head of its step's arguments (``RESUME_ROOM``'s)."""

    key: str
    name: str
    #: "1" or "0".
    permanent: str
    capacity: int
    #: Its incarnation, should its step make it again.
    incarnation: str
    #: The incarnation and seq the node saw last ('' and 0: none).
    seen_incarnation: str
    seen_seq: int
    #: The time it is made at, should its step make it again.
    now: int


class Held(NamedTuple):
    """What a node holds, for its resume (:meth:`~.node.Holdings.held`)."""

    users: list[HeldUser]
    rooms: list[HeldRoom]


def chunks(held: Held) -> list[dict[str, Any]]:
    """``RESUME``'s calls' operands but its head: the users a chunk
    (:data:`~.node_scripts.RESUME_CHUNK`) a call, then the rooms as many a
    call; one call with neither for a node that holds nothing (it still
    registers)."""
    size = node_scripts.RESUME_CHUNK
    users, rows = held
    calls = [
        {"users": [user.operand() for user in users[start : start + size]], "rooms": []}
        for start in range(0, len(users), size)
    ]
    calls += [
        {"users": [], "rooms": [list(row) for row in rows[start : start + size]]}
        for start in range(0, len(rows), size)
    ]
    return calls or [{"users": [], "rooms": []}]


def _triples(room: str, seats: dict[str, list[Any]]) -> list[list[Any]]:
    """The users ``RESUME`` answered for ``room``'s step to seat (u, held,
    seat, ...), each as a list of three."""
    flat = seats.get(room, [])
    return [flat[at : at + 3] for at in range(0, len(flat), 3)]


class ResumeSteps:
    """The server's steps of a resume, a chunk a call, then each room's."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls
        self.copies = MemberCopies(calls)

    async def run(self, head: dict[str, Any], held: Held) -> Resumed:
        """The resume of what the node holds, ``held``, with ``RESUME``'s
        ``head`` (node, ttl, reason): its server's steps, one call after
        another, then its rooms' steps and the copies to refresh, together
        (one round trip, and one more for a rename left pending)."""
        server = await self.server_steps(head, held)
        rooms: list[Coroutine[Any, Any, Any]] = [
            self.calls.eval(node_scripts.RESUME_ROOM, step, always=True)
            for step in server.steps
        ]
        refreshes: list[Coroutine[Any, Any, Any]] = [
            self.copies.refresh(u, their_rooms, record, formers, always=True)
            for u, record, their_rooms, formers in server.copies
        ]
        done = await together(rooms + refreshes)
        return Resumed(
            server.failed,
            done[: len(rooms)],
            server.stale,
            server.stale_places,
            server.named,
        )

    async def server_steps(self, head: dict[str, Any], held: Held) -> ServerSteps:
        """The server's steps of the resume (``head`` and ``held`` as
        :meth:`run`'s): ``RESUME`` a chunk a call, the index's pages
        (``RESUME_INDEX``), ``RESUME_END``; what they answered, for the
        rooms' steps."""
        failed: list[bytes] = []
        places: list[bytes] = []
        copies: list[list[Any]] = []
        seats: dict[str, list[Any]] = {}
        made: list[Any] = []
        for chunk in chunks(held):
            reply = await self.calls.eval(
                node_scripts.RESUME, {**head, **chunk}, always=True
            )
            failed += reply[0]
            for seat in reply[1]:
                seats.setdefault(reply_text(seat[0]), []).extend(seat[1:])
            places += reply[2]
            copies += reply[3]
            made += reply[4]
        node = str(head["node"])
        stale = await self._index(node, held.users, failed, copies)
        end = {"node": node, "now": head["now"]}
        await self.calls.eval(node_scripts.RESUME_END, end, always=True)
        steps = [
            {
                "room": room.key,
                "row": list(room),
                "created": creation,
                "seats": _triples(room.key, seats),
            }
            for room, creation in zip(held.rooms, made, strict=True)
        ]
        named = [room.key.encode() for room in held.rooms]
        return ServerSteps(failed, steps, stale, places, named, copies)

    async def _index(
        self,
        node: str,
        users: list[HeldUser],
        failed: list[bytes],
        copies: list[list[Any]],
    ) -> list[bytes]:
        """The node's index of its sessions read a page a call
        (``RESUME_INDEX``), each page's entries it no longer holds handed
        back with the next call: every one but its users' sessions
        ``RESUME`` re-claimed or found another's name (not those another
        node ended, or the server banned: ``failed`` with a reason). The
        copies to refresh are added to ``copies``; returns the stale
        sessions (u, token, ...), each once."""
        ended = {entry.split(b" ", 1)[0].decode() for entry in failed if b" " in entry}
        mine = {user.u: user.token for user in users}
        mine = {u: token for u, token in mine.items() if token not in ended}
        stale: dict[tuple[bytes, bytes], None] = {}
        cursor: str | None = "0"
        drop: list[list[bytes]] = []
        while cursor is not None or drop:
            reply = await self.calls.eval(
                node_scripts.RESUME_INDEX,
                {
                    "node": node,
                    "cursor": cursor or "",
                    "count": node_scripts.RESUME_PAGE,
                    "drop": drop,
                },
                always=True,
            )
            following, page, gone, changed = reply
            for at in range(0, len(gone), 2):
                stale[(gone[at], gone[at + 1])] = None
            copies += changed
            drop = []
            for at in range(0, len(page), 2):
                conn, u = page[at], page[at + 1]
                if mine.get(u.decode()) != f"{node}:{conn.decode()}":
                    drop.append([conn, u])
            if cursor is None or following in (b"0", "0", 0):
                cursor = None
            else:
                cursor = reply_text(following)
        return [field for pair in stale for field in pair]
