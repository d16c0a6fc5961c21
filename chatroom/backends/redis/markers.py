"""Accounts' read markers in Redis.

:class:`RedisMarkers` is the cluster's :class:`MarkerStore`.

One hash per account, ``P markers:<account key>``: room key → the id of
the newest event read there. Every node reads and moves the same markers,
so a device on any node sees where the account is; moving one forward is
one script, so two devices racing leave the larger id (the rule of
:mod:`chatroom.core.markers`: markers only move forward).
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script

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
