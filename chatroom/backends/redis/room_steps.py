"""A room's membership change as a node stores it: one step per slot.

A change decided by :mod:`chatroom.core.membership` (:mod:`.outcomes`) is
about one room, but it also touches the server's indexes that name the
room: a user's rooms (``P in:u``), the waiting rooms (``P keeping``), the
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

from collections.abc import Callable
from typing import Any

from chatroom.backends.redis import outcomes, scripts
from chatroom.backends.redis.calls import RedisCalls, together
from chatroom.backends.redis.outcomes import Change, RedisSeating
from chatroom.core import membership
from chatroom.core.backend import FactsChangedError
from chatroom.core.events import DepartureKind
from chatroom.core.retrying import retried

#: The steps of a change that take its room out of a server's index.
_OUT_OF_AN_INDEX = frozenset({"unseat", "waited", "drop"})
#: The steps of a change that put its room in a server's index (a seat's
#: comes with its join's own server step, ``ENTERING``).
_INTO_AN_INDEX = frozenset({"waits"})


def _enters_an_index(change: Change) -> bool:
    """Whether ``change``'s room's step is preceded by the server's step
    that writes an index naming its room (``INDEX_FIRST``: a wait)."""
    return any(op[0] in _INTO_AN_INDEX for op in change["ops"])


def _changes_anything(change: Change) -> bool:
    """Whether ``change`` has a step besides its mark (a departure of
    nobody present, a room gone: nothing to store)."""
    return any(op[0] != "mark" for op in change["ops"])


def leaves_an_index(change: Change) -> bool:
    """Whether ``change``, once its room's step is stored, is followed by
    the server's step (``INDEX_LAST``)."""
    return any(op[0] in _OUT_OF_AN_INDEX for op in change["ops"])


class RoomSteps:
    """The room's step of one change and the server's step after it."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def index_last(
        self, changes: list[Change], u: str = "", token: str = "", entered: str = ""
    ) -> None:
        """``INDEX_LAST``: the index entries of the rooms ``changes`` left
        go; u's sessions but ``token`` are told to show room ``entered``."""
        left = [change for change in changes if leaves_an_index(change)]
        if left or entered:
            encoded = outcomes.encoded(left)
            await self.calls.step(
                scripts.INDEX_LAST, encoded, u, token, entered, refusals={}
            )

    async def leave(self, u: str, token: str, change: Change) -> Any:
        """``LEAVE``'s room step of u's departure ``change`` (``CHANGED``
        raised as :class:`FactsChangedError` with the seating now); the
        server's step is the caller's (:meth:`index_last`), once every
        room it changes has had its own."""
        encoded = outcomes.encoded_change(change)
        return await self.calls.call(
            scripts.LEAVE, change["r"], u, token, encoded, refusals={}
        )

    async def apply(
        self,
        seen: dict[str, RedisSeating],
        decide: Callable[[dict[str, RedisSeating]], list[Change]],
    ) -> None:
        """The changes ``decide`` makes of the seatings ``seen`` (which
        seat nobody), stored (:meth:`store`), then the server's step after
        their rooms' (``INDEX_LAST``)."""
        await self.index_last(await self.store(seen, decide))

    async def store(
        self,
        seen: dict[str, RedisSeating],
        decide: Callable[[dict[str, RedisSeating]], list[Change]],
        always: bool = False,
    ) -> list[Change]:
        """The changes ``decide`` makes of the seatings ``seen`` (which
        seat nobody), each room's ``APPLY`` sent together, after the
        server's ``INDEX_FIRST`` if one starts a wait; a room whose premises
        changed is decided again on the seating its refusal brings, and
        the rooms done stay done (:func:`retried`). A change that changes
        nothing (no step but its mark) needs no room's step. Returns the
        changes stored, whose server's step after them (``INDEX_LAST``,
        or a step that includes it) is the caller's. ``always``: as
        :meth:`RedisCalls.eval`'s."""
        done: dict[str, Change] = {}

        async def attempt() -> None:
            pending = [
                change
                for change in decide(seen)
                if change["r"] not in done and _changes_anything(change)
            ]
            entering = [change for change in pending if _enters_an_index(change)]
            if entering:
                encoded = outcomes.encoded(entering)
                await self.calls.step(
                    scripts.INDEX_FIRST, encoded, refusals={}, always=always
                )
            refusals = await together(
                self.applied(change, always) for change in pending
            )
            for change, refusal in zip(pending, refusals, strict=True):
                if refusal is None:
                    done[change["r"]] = change
                else:
                    seen.update(refusal)
            if any(refusal is not None for refusal in refusals):
                raise FactsChangedError()

        await retried(attempt)
        return list(done.values())

    async def applied(
        self, change: Change, always: bool
    ) -> dict[str, RedisSeating] | None:
        """``APPLY``'s room step of ``change``: None if stored, else the
        seating its refusal brings (``CHANGED``)."""
        encoded = outcomes.encoded_change(change)
        try:
            await self.calls.call(
                scripts.APPLY, change["r"], encoded, b"{}", refusals={}, always=always
            )
        except FactsChangedError as changed:
            return outcomes.brought(changed) or {}
        return None

    async def leave_ended(self, key: str, u: str, token: str, name: str) -> None:
        """u (named ``name``), whose session ``token`` ended while it
        entered room ``key``, leaves it if its release ran between the
        server's step and the room's, which then seated u after it. Nothing
        while the session still holds u (its release is still to come, and
        takes u out, saying why), nor if u is not in the room (its release
        came after the room's step)."""
        if await self.calls.eval(scripts.HOLDS, u, token) == b"OK":
            return
        read = await self.calls.eval(scripts.SEATINGS, key, u)

        def decide(seen: dict[str, RedisSeating]) -> list[Change]:
            room = seen[key]
            if not room.exists or u not in room.present:
                return []
            lost = DepartureKind.QUIT
            departure = membership.ended(room.name, name, "connection lost", lost)
            return [outcomes.leaving(key, room, [(u, departure)])]

        await self.apply(outcomes.seated_all(read), decide)
