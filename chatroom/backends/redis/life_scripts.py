"""The Lua scripts of reactions, typing notices and the moderation log.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these
keep the shared state consistent and decide nothing the core decides:
``REACT`` checks that the message is still as the core read it (``CHANGED``
otherwise, and the node decides again) and changes who reacted with what
in one step, so two nodes cannot both add a room's twenty-first reaction;
``RELAY`` publishes a typing notice without keeping it, ``KEEP`` keeps
a tags-only message and publishes it, ``ATTACH`` a link
preview to whoever is in the room; ``MODLOG_ADD`` and
``MODLOG_READ`` keep and read a room's moderation log.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: ARGV: P, r, u, token, target id, the target as read, reaction,
#: adding ('1' or ''), most distinct reactions, the reaction event
#: (unnumbered), retention, prune every (changes; then the reactions to messages no
#: longer kept go: the hash's ``#changes`` counts). ``{'OK', 'changed'}``
#: once the event is published and kept (as ``SAY`` does, with the room's
#: next id), ``{'OK', 'same'}`` when
#: nothing changed, ``{'OK', 'full'}`` when the message has as many
#: distinct reactions as it may; ``CHANGED`` if the target is not as read.
REACT = Script(
    "react",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
local first, last = kept(r)
local target = tonumber(ARGV[5])
local hk = history_key(r)
if target < first or target > last then return 'CHANGED' end
if redis.call('LINDEX', hk, target - first) ~= ARGV[6] then return 'CHANGED' end
local rk, count = reactions_key(r), ARGV[5]
local given = count .. ' ' .. ARGV[7]
local mine = given .. ' ' .. u
if ARGV[8] == '1' then
  if redis.call('HEXISTS', rk, mine) == 1 then return {'OK', 'same'} end
  if redis.call('HEXISTS', rk, given) == 0 then
    if tonumber(redis.call('HGET', rk, count) or '0') >= tonumber(ARGV[9]) then
      return {'OK', 'full'}
    end
    redis.call('HINCRBY', rk, count, 1)
  end
  redis.call('HINCRBY', rk, given, 1)
  redis.call('HSET', rk, mine, 1)
else
  if redis.call('HDEL', rk, mine) == 0 then return {'OK', 'same'} end
  if redis.call('HINCRBY', rk, given, -1) <= 0 then
    redis.call('HDEL', rk, given)
    if redis.call('HINCRBY', rk, count, -1) <= 0 then redis.call('HDEL', rk, count) end
  end
end
local data = numbered(ARGV[10], next_id(r))
emit(r, data)
redis.call('RPUSH', hk, data)
redis.call('LTRIM', hk, -tonumber(ARGV[11]), -1)
if redis.call('HINCRBY', rk, '#changes', 1) % tonumber(ARGV[12]) == 0 then
  first = kept(r)
  for _, field in ipairs(redis.call('HKEYS', rk)) do
    local of = tonumber(string.match(field, '^%d+'))
    if of and of < first then redis.call('HDEL', rk, field) end
  end
end
return {'OK', 'changed'}
""",
    room_at=2,
)

#: ARGV: P, r, u, token, event. Published to the room, not kept.
RELAY = Script(
    "relay",
    r"""
local r = ARGV[2]
local refusal = not_a_member(ARGV[3], ARGV[4], r)
if refusal then return refusal end
emit(r, ARGV[5])
return 'OK'
""",
    room_at=2,
)

#: ARGV: P, r, u, token, a tags-only message (unnumbered), retention,
#: oldest time kept (as ``SAY`` takes them). Numbers, publishes and keeps
#: it as ``SAY`` does a message (for IRC's event playback): ``{'OK', id, seq}``.
KEEP = Script(
    "keep",
    r"""
local r = ARGV[2]
local refusal = not_a_member(ARGV[3], ARGV[4], r)
if refusal then return refusal end
return {'OK', said(r, ARGV[5], ARGV[6], ARGV[7])}
""",
    room_at=2,
)

#: ARGV: P, r, the event. Publishes it to room r's members, whoever they
#: are, without keeping it (a link preview, which follows its message once
#: the node that took the message fetched it); nothing if the room is gone.
ATTACH = Script(
    "attach",
    r"""
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
emit(r, ARGV[3])
return 'OK'
""",
    room_at=2,
)

#: ARGV: P, r, most entries kept, then the entries' lines. Nothing for a
#: room that is gone (deleted meanwhile: its log went with it).
MODLOG_ADD = Script(
    "modlog_add",
    r"""
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
for i = 4, #ARGV do redis.call('RPUSH', modlog_key(r), ARGV[i]) end
redis.call('LTRIM', modlog_key(r), -tonumber(ARGV[3]), -1)
return 'OK'
""",
    room_at=2,
)

#: ARGV: P, r, count. The newest count entries, oldest first.
MODLOG_READ = Script(
    "modlog_read",
    r"""
return {'OK', redis.call('LRANGE', modlog_key(ARGV[2]), -tonumber(ARGV[3]), -1)}
""",
    room_at=2,
)
