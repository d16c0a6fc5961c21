"""The Matrix users in the portals' rooms: members with no connection.

A Matrix user who joins a portal is a member of its room under their
bridged name (``bob:example.org``), with no connection: a standing member
(:mod:`chatroom.core.rooms.standing`, the one mechanism a bot joined
through the REST API stands by), claimed with the bridged-name rule
(``claim_name(..., bridged=True)``: a Matrix user id without its ``@``,
which no door's user can claim). ``MEMBERS``, ``/who`` and IRC's ``NAMES``
list them, the room's members hear their ``JOIN`` and ``PART``, and a
room with one of them is not empty. Once they are in no room, their
standing member is let go.

They are the core's standing members, as bots are: a Matrix user's seat
is signed in to its bridged name as to an account of its own, so when a
node stops, the core hands them over with its bots (``StandHere``): every
other node stands them too, in the same seat, and the rooms hear neither
a ``PART`` nor a ``JOIN``; in one process they are let go at shutdown
(``server shutting down``) and seated again at the next start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chatroom.core.model import errors
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.rooms.standing import StandingMembers

#: Put a member in a room (the rooms' service's ``join_room``).
Join = Callable[[Member, str], Awaitable[str]]
#: Take a member out of a room, with words (``leave_room``).
Leave = Callable[[Member, str, str], Awaitable[object]]


class MatrixSeats:
    """:class:`chatroom.core.bridging.appservice.BridgedSeating` over
    standing members."""

    def __init__(self, standing: StandingMembers, join: Join, leave: Leave) -> None:
        self.standing = standing
        self.join = join
        self.leave = leave

    async def seat(self, name: str, room: str) -> None:
        member = await self.standing.stand(name)
        if name_key(room) in member.rooms:
            return
        try:
            await self.join(member, room)
        except errors.ChatError as refused:
            if refused.code != "ALREADY_IN_ROOM":
                raise

    async def unseat(self, name: str, room: str, reason: str) -> None:
        member = self.standing.find(name)
        if member is None:
            return
        try:
            await self.leave(member, room, reason)
        except errors.ChatError as refused:
            if refused.code != "NOT_IN_ROOM":
                raise
        member.rooms.discard(name_key(room))
        if not member.rooms:
            self.standing.let_go(name, "left")

    def member_in(self, name: str, room: str) -> Member | None:
        member = self.standing.find(name)
        if member is None or name_key(room) not in member.rooms:
            return None
        return member
