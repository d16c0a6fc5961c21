"""Accounts' read markers and remembered rooms in Redis.

:class:`RedisMarkers` is the cluster's :class:`MarkerStore`;
:class:`RedisRememberedRooms` its
:class:`~chatroom.core.backend.RememberedRooms` (``P account-rooms:<a>``).

One hash per account, ``P markers:<account key>``: room key → the id of
the newest event read there. Every node reads and moves the same markers,
so a device on any node sees where the account is; moving one forward is
one script, so two devices racing leave the larger id (the rule of
:mod:`chatroom.core.markers`: markers only move forward).
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.text import name_key

#: ARGV: P, account, room, id. The marker moved to id if that is forward;
#: returns the marker in force.
ADVANCE = Script(
    "marker-advance",
    r"""
local key = P .. 'markers:' .. ARGV[2]
local old = tonumber(redis.call('HGET', key, ARGV[3]) or '-1')
local new = tonumber(ARGV[4])
if new > old then
  redis.call('HSET', key, ARGV[3], ARGV[4])
  return ARGV[4]
end
return tostring(old)
""",
)

#: ARGV: P, account. Every marker of the account: room, id, room, id...
MARKERS = Script("markers", "return redis.call('HGETALL', P .. 'markers:' .. ARGV[2])")


class RedisMarkers:
    """Read markers of accounts, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def markers(self, account: str) -> dict[str, int]:
        flat = await self.calls.eval(MARKERS, account)
        return {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    async def advance(self, account: str, room: str, event_id: int) -> int:
        return int(await self.calls.eval(ADVANCE, account, room, str(event_id)))


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
