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
from chatroom.core.text import name_key

#: ARGV: P, account, room key, room name. The account entered the room:
#: remembered, after the rooms it entered before (a hash keeps the name;
#: the order is ``P account-rooms-order:<a>``, a sorted set by entry).
REMEMBER = Script(
    "account-room-remember",
    r"""
local key = P .. 'account-rooms:' .. ARGV[2]
if redis.call('HSETNX', key, ARGV[3], ARGV[4]) == 1 then
  local order = P .. 'account-rooms-order:' .. ARGV[2]
  redis.call('ZADD', order, redis.call('INCR', P .. 'account-rooms-seq'), ARGV[3])
end
return 1
""",
)

#: ARGV: P, account, room key. The account left the room.
FORGET = Script(
    "account-room-forget",
    r"""
redis.call('ZREM', P .. 'account-rooms-order:' .. ARGV[2], ARGV[3])
return redis.call('HDEL', P .. 'account-rooms:' .. ARGV[2], ARGV[3])
""",
)

#: ARGV: P, account. The account's remembered room names, oldest first.
ROOMS = Script(
    "account-rooms",
    r"""
local names = {}
local key = P .. 'account-rooms:' .. ARGV[2]
local order = P .. 'account-rooms-order:' .. ARGV[2]
for _, room in ipairs(redis.call('ZRANGE', order, 0, -1)) do
  local name = redis.call('HGET', key, room)
  if name then names[#names + 1] = name end
end
return names
""",
)


class RedisRememberedRooms:
    """Accounts' remembered rooms, kept in Redis: every node brings an
    account back into the same rooms (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def rooms(self, account: str) -> list[str]:
        return [name.decode() for name in await self.calls.eval(ROOMS, account)]

    async def remember(self, account: str, room: str) -> None:
        await self.calls.eval(REMEMBER, account, name_key(room), room)

    async def forget(self, account: str, room: str) -> None:
        await self.calls.eval(FORGET, account, name_key(room))
