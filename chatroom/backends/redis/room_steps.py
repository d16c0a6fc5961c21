"""A room's membership change as a node stores it: one step per slot.

A change decided by the core (:mod:`.operands`, :mod:`.outcomes`) is
about one room, but it also touches the server's indexes that name the
room: a user's rooms (``P in``, u's field), the waiting rooms (``P keeping``), the
listing (``P rooms``). With the rooms spread over a Redis Cluster's
shards those are on another slot than the room, so each change is up to
three scripts, in the order of docs/scaling.md's rule (the index first,
the room second; out in the other order):

1. the server's step (``ENTERING`` for a join or a create): the indexes
   that will name the room, and the records (who holds each user seated,
   its name and account) that the room's step copies;
2. the room's step (``JOIN``, ``CREATE``, ``LEAVE``, ``APPLY``): the
   premises checked on the room's own keys, the change stored;
3. the server's step after it (``INDEX_LAST``), only when the change took
   the room out of an index (a user unseated, a wait over, a room dropped).

A node that dies between the steps leaves an index naming a room too many
(never one too few), which its readers check against the room and the
next cleanup clears: a user's rooms go with its name, a due wait that
does not wait with the heartbeat that finds it (``UNKEEP``), a listed room
that is gone with the next create of its name. The Lua of the three is
the prelude's (``index_first``, ``apply_in_room``, ``index_last``).
"""

from __future__ import annotations

from typing import Any

from chatroom.backends.redis import outcomes, scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.outcomes import RedisSeating
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.rooms import Drop, RemoveMember, Waited
from chatroom.core.model.nodemessages import ShowRoom

#: The operations of a change that take its room out of a server's index.
_OUT_OF_AN_INDEX = (RemoveMember, Waited, Drop)


def leaves_an_index(change: DecidedChange) -> bool:
    """Whether ``change``, once its room's step is stored, is followed by
    the server's step (``INDEX_LAST``)."""
    return any(isinstance(op, _OUT_OF_AN_INDEX) for op in change.ops)


class RoomSteps:
    """The room's step of one change and the server's step after it."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def index_last(
        self,
        changes: list[DecidedChange],
        u: str = "",
        token: str = "",
        entered: str = "",
    ) -> None:
        """``INDEX_LAST``: the index entries of the rooms ``changes`` left
        go; u's sessions but ``token`` are told to show room ``entered``."""
        left = [change for change in changes if leaves_an_index(change)]
        if left or entered:
            show = codec.encode(ShowRoom(entered)) if entered else b""
            operands = {"changes": left, "user": u, "token": token, "shown": show}
            await self.calls.step(scripts.INDEX_LAST, operands, refusals={})

    async def leave(self, u: str, token: str, change: DecidedChange) -> Any:
        """``LEAVE``'s room step of u's departure ``change`` (``CHANGED``
        raised as :class:`FactsChangedError` with the seating now); the
        server's step is the caller's (:meth:`index_last`), once every
        room it changes has had its own."""
        operands = {"change": change, "user": u, "token": token}
        return await self.calls.call(scripts.LEAVE, operands, refusals={})

    async def applied(
        self, change: DecidedChange, always: bool, mark: str = "before"
    ) -> dict[str, RedisSeating] | None:
        """``APPLY``'s room step of ``change``: None if stored, else the
        seating its refusal brings (``CHANGED``). ``mark``: the room's
        newest event is answered ``before`` the change (a departure's) or
        ``after`` it."""
        operands = {"change": change, "mark": mark}
        try:
            await self.calls.call(scripts.APPLY, operands, refusals={}, always=always)
        except FactsChangedError as changed:
            return outcomes.brought(changed) or {}
        return None
