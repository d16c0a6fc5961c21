"""Accounts' remembered rooms in Redis: the cluster's :class:`RememberedRooms`.

:class:`RedisRememberedRooms` is the
:class:`~chatroom.core.backend.RememberedRooms` of a cluster: an account's
rooms are ``P account-rooms:<a>`` (room key → its name) in the order of
``P account-rooms-order:<a>``, so every node brings an account back into
the same rooms, oldest first.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.settings import AccountRooms, ForgetRoom, RememberRoom
from chatroom.core.model.text import name_key

#: The operations of an account's rooms: each names a room.
RoomNamed = RememberRoom | ForgetRoom

#: Operands: ``change`` (an account's remembered rooms': in order, a room
#: remembered, after the rooms it entered before, unless it is already; a
#: hash keeps the name, the order is ``P account-rooms-order:<a>``, a
#: sorted set by entry; or forgotten), ``keys`` (each operation's room's
#: key). Nothing for an account no longer registered (see
#: :mod:`chatroom.core.policy.userdata`, *What a deletion takes*).
APPLY = Script("account-rooms-apply")

#: Operands: account. The account's remembered room names, oldest first.
ROOMS = Script("account-rooms")


class RedisRememberedRooms:
    """Accounts' remembered rooms, kept in Redis: every node brings an
    account back into the same rooms (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def rooms(self, account: str) -> list[str]:
        names = await self.calls.eval(ROOMS, {"account": account})
        return [name.decode() for name in names]

    @applies(AccountRooms)
    async def apply(self, change: DecidedChange) -> None:
        """``change``'s rooms remembered and forgotten, in order, in one
        :data:`APPLY`."""
        assert isinstance(change.subject, AccountRooms)
        keys = [name_key(op.name) for op in change.ops if isinstance(op, RoomNamed)]
        await self.calls.eval(APPLY, {"change": change, "keys": keys})
