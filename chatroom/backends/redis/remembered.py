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
from chatroom.core.model.changes.base import DecidedChange, account_of
from chatroom.core.model.changes.settings import AccountRooms, ForgetRoom, RememberRoom
from chatroom.core.text import name_key

#: ARGV: P, account, then the operations, in order: ``remember KEY NAME``
#: (the account entered room KEY, shown as NAME: remembered after the
#: rooms it entered before, unless it is already; a hash keeps the name,
#: the order is ``P account-rooms-order:<a>``, a sorted set by entry) and
#: ``forget KEY`` (the account left it). Nothing for an account no longer
#: registered (see :mod:`chatroom.core.userdata`, *What a deletion takes*).
APPLY = Script("account-rooms-apply")

#: ARGV: P, account. The account's remembered room names, oldest first.
ROOMS = Script("account-rooms")


class RedisRememberedRooms:
    """Accounts' remembered rooms, kept in Redis: every node brings an
    account back into the same rooms (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def rooms(self, account: str) -> list[str]:
        return [name.decode() for name in await self.calls.eval(ROOMS, account)]

    async def apply(self, change: DecidedChange) -> None:
        """``change``'s rooms remembered and forgotten, in order, in one
        :data:`APPLY`."""
        account = account_of(change, AccountRooms)
        arguments: list[str] = []
        for op in change.ops:
            if isinstance(op, RememberRoom):
                arguments += ["remember", name_key(op.name), op.name]
            elif isinstance(op, ForgetRoom):
                arguments += ["forget", name_key(op.name)]
            else:
                raise TypeError(f"no operation {op!r} of an account's rooms")
        await self.calls.eval(APPLY, account, *arguments)
