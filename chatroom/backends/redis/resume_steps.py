"""A node's resume, one slot per step.

A resume makes Redis agree with what a node holds after a start or a
lost link (:class:`~.node.ClusterNode`). With the rooms spread over a
Redis Cluster's shards it is 1 + n scripts for a node with n rooms, in
the order of docs/scaling.md's rule (the index first, the room second):

1. the server's step (``RESUME``): the node registered, the sessions
   others ended and the server's bans read, its devices' holds it no
   longer has dropped, its users' names and accounts re-claimed, each
   room listed (``list_room``) and in its users' rooms (``P in``), and
   the records (who holds each user, its name and account) the rooms'
   steps copy;
2. each room's step (``RESUME_ROOM``), sent together: the room made
   again if its keys are gone, the node's users seated there unless
   members already, their copies written, and the events the node missed
   read (past a Redis that came back behind the node, the room moved on);
   with them, the copies of users whose holders changed in rooms no step
   seats them in (:class:`~.copies.MemberCopies`).

Every step is idempotent, and a resume cut short (a link lost, Redis
unavailable) is simply run again from the start, so a node that dies or
loses its link between the steps leaves at worst an index naming a room
too many (a listing entry, a user's room) and rooms whose copies still
name a device's session gone, until the next resume runs their steps: a
node that dies is harvested, which clears its users' rooms, and the
listing skips a room that is gone.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, NamedTuple

from chatroom.backends.redis import node_scripts
from chatroom.backends.redis.calls import RedisCalls, together
from chatroom.backends.redis.copies import MemberCopies


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


class ResumeSteps:
    """The server's step of a resume, then each room's."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls
        self.copies = MemberCopies(calls)

    async def run(self, args: list[Any]) -> Resumed:
        """The resume with ``RESUME``'s arguments ``args``: its server's
        step, then its rooms' steps and the copies to refresh, together
        (one round trip, and one more for a rename left pending)."""
        reply = await self.calls.eval(node_scripts.RESUME, *args, always=True)
        failed, steps, stale, stale_places, named, copies = reply
        rooms: list[Coroutine[Any, Any, Any]] = [
            self.calls.eval(node_scripts.RESUME_ROOM, *step, always=True)
            for step in steps
        ]
        refreshes: list[Coroutine[Any, Any, Any]] = [
            self.copies.refresh(u, their_rooms, record, formers, always=True)
            for u, record, their_rooms, formers in copies
        ]
        done = await together(rooms + refreshes)
        return Resumed(failed, done[: len(rooms)], stale, stale_places, named)
