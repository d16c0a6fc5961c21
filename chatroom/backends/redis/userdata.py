"""A user's own data in Redis: the cluster's :class:`UserDataSteps`.

``READ`` gathers, in one script, what the cluster keeps of an account
beyond its markers and remembered rooms: every room's history (``P
history:r``, numbered from ``P ids``), its private conversations (``P
talk:c`` for each ``P pids`` conversation it is a side of), the messages
waiting for the other sides, and the rooms it owns. The node decides
(:mod:`chatroom.core.userdata`: which events are the account's, what
each becomes, in the cluster's canonical encoding); ``ERASE`` checks that
every entry it changes is still as read (else the node reads and decides
again, five times at most) and then, in the same script, rewrites or
blanks those entries (ids never move), drops the conversations, what waits
for the account and what it sent that waits for others, its markers, its
remembered rooms and the account itself. The cluster's search index
(``--search-db``) is not rewritten.

An export waits in ``P export:<token>`` (its deadline on the core's clock,
then the archive), with a Redis expiry too, so any node's HTTP door hands
it out, once (``TAKE_EXPORT`` reads and deletes in one step).
"""

from __future__ import annotations

import math

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded, private_events, stored_events
from chatroom.backends.redis.markers import RedisMarkers
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.remembered import RedisRememberedRooms
from chatroom.core import codec, errors
from chatroom.core.events import PrivateMessage, StoredEvent
from chatroom.core.text import name_key
from chatroom.core.userdata import AccountData, authored, erased, other_side

#: ARGV: P, account. {histories: {r, name, last id, entries}...,
#: conversations: {c, entries}..., waiting: {other side, entries}...,
#: owned room names}.
READ = Script(
    "userdata-read",
    r"""
local a = ARGV[2]
local histories, talks, waiting, owned = {}, {}, {}, {}
for _, r in ipairs(numbered_rooms()) do
  local entries = redis.call('LRANGE', history_key(r), 0, -1)
  if #entries > 0 then
    local name = redis.call('HGET', ROOMS, r) or r
    histories[#histories + 1] = {r, name, newest_id(r), entries}
  end
end
for _, c in ipairs(redis.call('HKEYS', P .. 'pids')) do
  local one, two = string.match(c, '^(%S+) (%S+)$')
  if one == a or two == a then
    talks[#talks + 1] = {c, redis.call('LRANGE', P .. 'talk:' .. c, 0, -1)}
    local other = two
    if one ~= a then other = one end
    local kept = redis.call('LRANGE', P .. 'waiting:' .. other, 0, -1)
    waiting[#waiting + 1] = {other, kept}
  end
end
for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
  local owner = redis.call('HMGET', room_key(r), 'owner', 'owner_account')
  if owner[1] == a or owner[2] == a then
    owned[#owned + 1] = redis.call('HGET', ROOMS, r)
  end
end
return {histories, talks, waiting, owned}
""",
    spans=True,
)

#: ARGV: P, account, n, then n × (room, id, entry as read, new entry),
#: m, then m × (other side, entry to drop from what waits for it). 0 if an
#: entry changed since it was read (nothing is written then), else 1.
ERASE = Script(
    "userdata-erase",
    r"""
local a = ARGV[2]
local n = tonumber(ARGV[3])
local places = {}
for i = 0, n - 1 do
  local r, id = ARGV[4 + 4 * i], tonumber(ARGV[5 + 4 * i])
  local key = history_key(r)
  local last = newest_id(r)
  local first = last - redis.call('LLEN', key) + 1
  if id >= first then
    if redis.call('LINDEX', key, id - first) ~= ARGV[6 + 4 * i] then return 0 end
    places[#places + 1] = {key, id - first, ARGV[7 + 4 * i]}
  end
end
for _, place in ipairs(places) do
  redis.call('LSET', place[1], place[2], place[3])
end
local at = 4 + 4 * n
for j = 0, tonumber(ARGV[at]) - 1 do
  redis.call('LREM', P .. 'waiting:' .. ARGV[at + 1 + 2 * j], 0, ARGV[at + 2 + 2 * j])
end
for _, c in ipairs(redis.call('HKEYS', P .. 'pids')) do
  local one, two = string.match(c, '^(%S+) (%S+)$')
  if one == a or two == a then
    redis.call('DEL', P .. 'talk:' .. c)
    redis.call('HDEL', P .. 'pids', c)
  end
end
redis.call('DEL', P .. 'markers:' .. a, P .. 'waiting:' .. a,
  P .. 'account-rooms:' .. a, P .. 'account-rooms-order:' .. a)
redis.call('HDEL', ACCOUNTS, a)
return 1
""",
    spans=True,
)

#: ARGV: P, token, deadline and archive, seconds to keep.
KEEP_EXPORT = Script(
    "export-keep",
    "redis.call('SET', P .. 'export:' .. ARGV[2], ARGV[3], 'EX', ARGV[4]) return 1",
)

#: ARGV: P, token. The export (deadline and archive), now gone; nil if none.
TAKE_EXPORT = Script(
    "export-take",
    r"""
local key = P .. 'export:' .. ARGV[2]
local kept = redis.call('GET', key)
redis.call('DEL', key)
return kept
""",
)

#: Reads and decisions an erasure may take before it gives up (busy rooms).
ATTEMPTS = 5


class RedisUserData:
    """:class:`chatroom.core.userdata.UserDataSteps` on Redis."""

    def __init__(
        self,
        calls: RedisCalls,
        markers: RedisMarkers,
        remembered: RedisRememberedRooms,
        clock: IReactorTime,
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.markers = markers
        self.remembered = remembered

    async def gather(self, account: str) -> AccountData:
        histories, talks, _, owned = await self.calls.eval(READ, account)
        data = AccountData(
            markers=await self.markers.markers(account),
            remembered=await self.remembered.rooms(account),
            owned=sorted(name.decode() for name in owned),
        )
        for _, name, _, entries in histories:
            room = name.decode()
            data.said += [
                (room, event)
                for event in stored_events(entries)
                if authored(event, account)
            ]
        for conversation, entries in talks:
            other = other_side(conversation.decode(), account)
            if other is not None:
                data.conversations[other] = private_events(entries)
        return data

    async def erase(self, account: str, how: str) -> None:
        for _ in range(ATTEMPTS):
            histories, _, waiting, _ = await self.calls.eval(READ, account)
            changes: list[bytes | str] = []
            for room, _, last, entries in histories:
                first = int(last) - len(entries) + 1
                for offset, entry in enumerate(entries):
                    event = _stored(entry)
                    if event is None or not authored(event, account):
                        continue
                    changed = erased(event, how)
                    new = codec.encode(changed) if changed is not None else b""
                    changes += [room, str(first + offset), entry, new]
            drops: list[bytes | str] = []
            for other, entries in waiting:
                for entry in entries:
                    sent = decoded(entry, PrivateMessage)
                    if sent is not None and name_key(sent.sender) == account:
                        drops += [other, entry]
            done = await self.calls.eval(
                ERASE,
                account,
                len(changes) // 4,
                *changes,
                len(drops) // 2,
                *drops,
            )
            if int(done):
                return
        raise errors.unavailable()

    async def keep_export(self, token: str, archive: bytes, until: float) -> None:
        kept = f"{until!r}\n".encode() + archive
        seconds = max(1, math.ceil(until - self.clock.seconds()))
        await self.calls.eval(KEEP_EXPORT, token, kept, seconds)

    async def take_export(self, token: str, now: float) -> bytes | None:
        kept = await self.calls.eval(TAKE_EXPORT, token)
        if not kept:
            return None
        until, _, archive = bytes(kept).partition(b"\n")
        return archive if now < float(until) else None


def _stored(entry: bytes) -> StoredEvent | None:
    """The stored event an entry of a history holds (None: a redacted
    message's place, or no event)."""
    if not entry:
        return None
    events = stored_events([entry])
    return events[0] if events else None
