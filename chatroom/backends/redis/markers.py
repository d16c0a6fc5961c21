"""Accounts' read markers in Redis.

:class:`RedisMarkers` is the cluster's :class:`MarkerStore`.

One hash per account, ``P markers:<account key>``: room key → the id of
the newest event read there. Every node reads and moves the same markers,
so a device on any node sees where the account is; moving one forward is
one script, so two devices racing leave the larger id (the rule of
:mod:`chatroom.core.markers`: markers only move forward). The same script
tells the account's sessions on the other nodes the marker (the core's
``MarkerMoved``), as the sender's copy of a private message is told them
(:mod:`chatroom.backends.redis.other_nodes`): on each one's node channel,
with no second round trip, so an account with one session pays only a
read of who holds it.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core import codec
from chatroom.core.events import MarkerMoved

#: ARGV: P, account, room, id, token, event ('' for none). The marker
#: moved to id if that is forward; returns the marker in force. If it is
#: id, the account's sessions on other nodes than token's are told event
#: (a ``MarkerMoved``) on their nodes' channels, after what was told them
#: before (their private messages), before what comes after.
ADVANCE = Script(
    "marker-advance",
    r"""
local key = P .. 'markers:' .. ARGV[2]
local old = tonumber(redis.call('HGET', key, ARGV[3]) or '-1')
local new = tonumber(ARGV[4])
if new > old then
  redis.call('HSET', key, ARGV[3], ARGV[4])
end
if new >= old and ARGV[6] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[2], ARGV[5])) do tell(s, ARGV[6]) end
end
if new > old then return ARGV[4] end
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

    async def advance(
        self,
        account: str,
        room: str,
        event_id: int,
        moved: MarkerMoved | None = None,
        token: str = "",
    ) -> int:
        told = codec.encode(moved) if moved is not None else ""
        reply = await self.calls.eval(
            ADVANCE, account, room, str(event_id), token, told
        )
        return int(reply)
