"""The Lua scripts that hold the cluster's shared state in Redis.

Every change to names and rooms is one script, and Redis runs one script at
a time, so each change is atomic across every node: two nodes claiming one
name cannot both win, and a room's capacity cannot be overshot by joins on
different nodes. A script that changes a room also publishes the change to
the room's channel, numbered by the room's ``seq`` counter, so the order in
which Redis ran the scripts is the order every member sees.

The scripts keep data consistent; they do not decide policy. Who may
delete a room or set its topic is decided in Python by
:mod:`chatroom.rules`, on facts read with ``FACTS``; the script that then
makes the change only checks that those facts still hold (the room's
incarnation and its ``ver``, bumped whenever its owner changes) and
answers ``CHANGED`` otherwise, and the node decides again. Limits that a
check-then-act would let racing nodes overrun (a name's uniqueness, a
room's capacity, the number of rooms) are checked where the seat is taken,
with values the node passes in.

Layout (``P`` is the key prefix, ``chatroom:`` by default; ``u`` and ``r``
are name keys from :func:`chatroom.text.name_key`):

==========================  ===============================================
``P users``                 hash u → ``"node:conn display"``
``P in:u``                  set of the rooms u is in
``P rooms``                 hash r → room display name
``P room:r``                hash: name owner permanent capacity seq inc
                            (incarnation: random, new each time the room
                            is made) ver created topic topic_by
``P members:r``             sorted set u → arrival number (arrival order)
``P history:r``             list of ready-made ``@ID HISTORY`` lines: the
                            room's stored events (``--retention``), ids
                            consecutive, the newest last
``P ids``                   hash r → the room's newest event id (kept when
                            the room goes, so ids never repeat)
``P log:r``                 list of the room's last :data:`LOG_SIZE`
                            published ``"seq line"``: what a node that
                            lost its subscription fetches on resuming
``P nodes``, ``P alive:n``  the registered nodes and their heartbeats (TTL)
``P counter``               arrival numbers
channel ``P chan:r``        ``"seq line"``: every event of room r
channel ``P node:n``        ``"conn line"``: private messages for node n
channel ``P lobby``         room names whose listing changed
==========================  ===============================================

Events travel as protocol lines (:func:`chatroom.events.to_line`); ``line``
below builds them exactly as :func:`chatroom.wire.format_line` does.

The scripts build keys from the prefix (``ARGV[1]``) instead of declaring
them in ``KEYS``: fine for one Redis server (or a replicated primary), not
for Redis Cluster's key slots. See ``docs/scaling.md``.
"""

from __future__ import annotations

import hashlib

#: Shared by every script.
_PRELUDE = r"""
local P = ARGV[1]
local USERS, ROOMS = P .. 'users', P .. 'rooms'
local function room_key(r) return P .. 'room:' .. r end
local function members_key(r) return P .. 'members:' .. r end
local function history_key(r) return P .. 'history:' .. r end
local function places_key(u) return P .. 'in:' .. u end

local function line(...)
  local parts = {...}
  if parts[#parts] == '' then parts[#parts] = nil end
  return table.concat(parts, ' ') .. '\r\n'
end

local function display(u)
  local v = redis.call('HGET', USERS, u)
  if not v then return u end
  return string.sub(v, string.find(v, ' ', 1, true) + 1)
end

local function holds(u, token)
  local v = redis.call('HGET', USERS, u)
  return v ~= false and string.sub(v, 1, #token + 1) == token .. ' '
end

local function is_member(u, r)
  return redis.call('ZSCORE', members_key(r), u) ~= false
end

-- Why session token may not act in room r as u, or nil if it may.
local function not_a_member(u, token, r)
  if not holds(u, token) then return 'GONE' end
  if not is_member(u, r) then return 'NOT_IN_ROOM' end
  return nil
end

-- Whether room r is still the incarnation and version a decision was made on.
local function unchanged(r, inc, ver)
  local info = redis.call('HMGET', room_key(r), 'inc', 'ver')
  return info[1] == inc and info[2] == ver
end

local function set_owner(r, u)
  redis.call('HSET', room_key(r), 'owner', u)
  redis.call('HINCRBY', room_key(r), 'ver', 1)
end

local function log_key(r) return P .. 'log:' .. r end

local function emit(r, data)
  local seq = redis.call('HINCRBY', room_key(r), 'seq', 1)
  local message = seq .. ' ' .. data
  redis.call('PUBLISH', P .. 'chan:' .. r, message)
  redis.call('RPUSH', log_key(r), message)
  redis.call('LTRIM', log_key(r), -LOG_SIZE, -1)
  return seq
end

-- The ids of room r's kept events: first, last (first = last + 1: none).
local function kept(r)
  local last = tonumber(redis.call('HGET', P .. 'ids', r) or '0')
  return last - redis.call('LLEN', history_key(r)) + 1, last
end

-- Kept events first..last of room r (ids are consecutive in the list).
local function events(r, first, last)
  local oldest = kept(r)
  if last < first then return {} end
  return redis.call('LRANGE', history_key(r), first - oldest, last - oldest)
end

local function drop_room(r, name)
  redis.call('DEL', room_key(r), members_key(r), history_key(r), log_key(r))
  redis.call('HDEL', ROOMS, r)
  redis.call('PUBLISH', P .. 'lobby', name)
end

-- Take u out of room r, telling the room why; an empty room that was not
-- named at start-up goes. Returns the PART's sequence number, or 0 if u
-- was not in r.
-- Set by the scripts that release a node's users (a node shutting down or
-- harvested): rooms they leave empty are kept, with their owner, until this
-- time (ms) for their members to come back (see `sweep_kept`).
local keep_until = false

local function leave(u, name, r, reason)
  if not is_member(u, r) then return 0 end
  redis.call('ZREM', members_key(r), u)
  redis.call('SREM', places_key(u), r)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  local seq = emit(r, line('PART', room, name, reason))
  local empty = redis.call('ZCARD', members_key(r)) == 0
  if empty and keep_until and redis.call('HGET', rk, 'permanent') ~= '1' then
    redis.call('HSET', rk, 'keep_until', keep_until)
    redis.call('PUBLISH', P .. 'lobby', room)
  elseif empty and redis.call('HGET', rk, 'permanent') ~= '1' then
    drop_room(r, room)
  else
    if redis.call('HGET', rk, 'owner') == u and not empty then
      local heir = redis.call('ZRANGE', members_key(r), 0, 0)[1]
      set_owner(r, heir or '')
      if heir then emit(r, line('OWNER', room, display(heir))) end
    end
    redis.call('PUBLISH', P .. 'lobby', room)
  end
  return seq
end

local function leave_all(u, name, reason)
  for _, r in ipairs(redis.call('SMEMBERS', places_key(u))) do
    leave(u, name, r, reason)
  end
  redis.call('DEL', places_key(u))
end

local function seat(u, r)
  redis.call('ZADD', members_key(r), redis.call('INCR', P .. 'counter'), u)
  redis.call('SADD', places_key(u), r)
end

-- Kept rooms whose time is up: gone if still empty; otherwise an owner who
-- has not come back hands the room to its longest-present member.
local function sweep_kept(now)
  for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
    local rk = room_key(r)
    local kept = redis.call('HGET', rk, 'keep_until')
    if kept and tonumber(kept) <= now then
      local room = redis.call('HGET', rk, 'name')
      if redis.call('ZCARD', members_key(r)) == 0 then
        drop_room(r, room)
      else
        redis.call('HDEL', rk, 'keep_until')
        local owner = redis.call('HGET', rk, 'owner')
        if owner ~= '' and not is_member(owner, r) then
          local heir = redis.call('ZRANGE', members_key(r), 0, 0)[1]
          set_owner(r, heir)
          emit(r, line('OWNER', room, display(heir)))
        end
      end
    end
  end
end

-- Put u into room r (leaving room `leaving` first, if u is in it) and
-- return what the joiner's welcome needs, with the JOIN's sequence number:
-- the joiner's node delivers it only the room's events after that.
-- The history is the last `shown` events or, with `since` (an id), those
-- after it, at most `bound` (start as chatroom.rules.catch_up computes
-- it); the ids kept (first, last) come with it, for the node to decide
-- whether the resume has a gap.
local function enter(r, u, leaving, shown, since, bound)
  local name = display(u)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  local part_seq = 0
  if leaving ~= '' then
    part_seq = leave(u, name, leaving, 'left for ' .. room)
  end
  seat(u, r)
  local seq = emit(r, line('JOIN', room, name))
  redis.call('PUBLISH', P .. 'lobby', room)
  local members = {}
  for i, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
    members[i] = display(m)
  end
  local info = redis.call('HMGET', rk, 'capacity', 'inc', 'topic', 'topic_by')
  local first, last = kept(r)
  local start = last - tonumber(shown) + 1
  if since ~= '' then
    since = tonumber(since)
    start = last - tonumber(bound) + 1
    if since >= first - 1 and since <= last then start = math.max(start, since + 1) end
  end
  return {'OK', room, seq, info[1], info[2], info[3] or '', info[4] or '',
          part_seq, members, events(r, math.max(start, first), last), first, last}
end

-- Everything a node's user u had, released: its rooms (with PARTs), its name.
local function release(u, reason)
  leave_all(u, display(u), reason)
  redis.call('HDEL', USERS, u)
end

-- Release every user of a node that is gone.
local function harvest(node, reason)
  redis.call('SREM', P .. 'nodes', node)
  redis.call('DEL', P .. 'alive:' .. node)
  local prefix = node .. ':'
  local users = redis.call('HGETALL', USERS)
  for i = 1, #users, 2 do
    if string.sub(users[i + 1], 1, #prefix) == prefix then
      release(users[i], reason)
    end
  end
end

local function make_room(r, name, owner, permanent, capacity, inc)
  redis.call('HSET', room_key(r), 'name', name, 'owner', owner,
             'permanent', permanent, 'capacity', capacity, 'seq', 0,
             'inc', inc, 'ver', 0, 'created', redis.call('INCR', P .. 'counter'),
             'topic', '', 'topic_by', '')
  redis.call('HSET', ROOMS, r, name)
end
"""


#: Published events a room keeps in Redis for nodes that missed them.
LOG_SIZE = 1024

_PRELUDE = _PRELUDE.replace("LOG_SIZE", str(LOG_SIZE))


class Script:
    """One Lua script: the shared prelude plus its own body, and its SHA-1.

    Nodes call scripts by hash (``EVALSHA``) and send the source only when
    Redis does not know it yet (after a restart, say), so neither the source
    nor its hash is recomputed per message.
    """

    def __init__(self, name: str, body: str) -> None:
        self.name = name
        self.source = (_PRELUDE + body).encode()
        self.sha = hashlib.sha1(self.source).hexdigest()


#: ARGV: P, u, token, display, old u ('' when choosing a first name).
#: A rename moves u's places, ownerships and arrival order to the new key.
CLAIM = Script(
    "claim",
    r"""
local u, token, name, old = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if old ~= '' and not holds(old, token) then return {'GONE'} end
local v = redis.call('HGET', USERS, u)
if v and string.sub(v, 1, #token + 1) ~= token .. ' ' then return {'TAKEN'} end
if old == '' then
  redis.call('HSET', USERS, u, token .. ' ' .. name)
  return {'OK'}
end
local old_name = display(old)
local rooms = redis.call('SMEMBERS', places_key(old))
if old ~= u then
  redis.call('HDEL', USERS, old)
  for _, r in ipairs(rooms) do
    local mk = members_key(r)
    redis.call('ZADD', mk, redis.call('ZSCORE', mk, old), u)
    redis.call('ZREM', mk, old)
    if redis.call('HGET', room_key(r), 'owner') == old then set_owner(r, u) end
  end
  if #rooms > 0 then redis.call('RENAME', places_key(old), places_key(u)) end
end
redis.call('HSET', USERS, u, token .. ' ' .. name)
for _, r in ipairs(rooms) do emit(r, line('NICK', old_name, name)) end
if #rooms > 0 then return {'IN_ROOM'} end
return {'OK'}
""",
)

#: ARGV: P, u, token, reason. Frees a user's rooms and name (disconnects).
RELEASE = Script(
    "release",
    r"""
if holds(ARGV[2], ARGV[3]) then release(ARGV[2], ARGV[4]) end
return 'OK'
""",
)

#: ARGV: P, r, room name, u, token, max rooms, capacity, incarnation, leaving,
#: history shown, since ('' for none), resume bound.
CREATE = Script(
    "create",
    r"""
local r, name, u, token = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not holds(u, token) then return {'GONE'} end
local existing = redis.call('HGET', ROOMS, r)
if existing then return {'ROOM_EXISTS', existing} end
if redis.call('HLEN', ROOMS) >= tonumber(ARGV[6]) then
  return {'TOO_MANY_ROOMS'}
end
make_room(r, name, u, '0', ARGV[7], ARGV[8])
return enter(r, u, ARGV[9], ARGV[10], ARGV[11], ARGV[12])
""",
)

#: ARGV: P, r, u, token, leaving ('' for none), history shown, since ('' for
#: none), resume bound.
JOIN = Script(
    "join",
    r"""
local r, u, token = ARGV[2], ARGV[3], ARGV[4]
if not holds(u, token) then return {'GONE'} end
local rk = room_key(r)
local room = redis.call('HGET', rk, 'name')
if not room then return {'NO_SUCH_ROOM'} end
if is_member(u, r) then return {'ALREADY_IN_ROOM', room} end
local capacity = redis.call('HGET', rk, 'capacity')
if redis.call('ZCARD', members_key(r)) >= tonumber(capacity) then
  return {'ROOM_FULL', room, capacity}
end
return enter(r, u, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
""",
)

#: ARGV: P, u, token, r, reason.
LEAVE = Script(
    "leave",
    r"""
if not holds(ARGV[2], ARGV[3]) then return {'GONE'} end
return {'OK', leave(ARGV[2], display(ARGV[2]), ARGV[4], ARGV[5])}
""",
)

#: ARGV: P, r, u, token, line, history line, retention (events kept), oldest
#: time kept ('' for no age limit). One publish; the event gets the room's
#: next id, as an ``@ID`` prefix on both lines. Events older than the
#: oldest time are dropped from the front (times sort as text).
SAY = Script(
    "say",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
local id = '@' .. redis.call('HINCRBY', P .. 'ids', r, 1) .. ' '
emit(r, id .. ARGV[5])
local hk = history_key(r)
redis.call('RPUSH', hk, id .. ARGV[6])
redis.call('LTRIM', hk, -tonumber(ARGV[7]), -1)
if ARGV[8] ~= '' then
  while true do
    local head = redis.call('LINDEX', hk, 0)
    if not head or string.match(head, '^%S+ %S+ %S+ %S+ (%S+)') >= ARGV[8] then
      break
    end
    redis.call('LPOP', hk)
  end
end
return 'OK'
""",
)

#: ARGV: P, r, u, token, count, before ('' for the newest). Up to count kept
#: events before that id, oldest first.
PAGE = Script(
    "page",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return {refusal} end
local first, last = kept(r)
if ARGV[6] ~= '' then last = math.min(last, tonumber(ARGV[6]) - 1) end
return {'OK', events(r, math.max(first, last - tonumber(ARGV[5]) + 1), last)}
""",
)

#: ARGV: P, r. What :mod:`chatroom.rules` decides on, and the guard to act on.
FACTS = Script(
    "facts",
    r"""
local r = ARGV[2]
local info = redis.call('HMGET', room_key(r), 'name', 'permanent', 'owner',
                        'capacity', 'inc', 'ver')
if not info[1] then return {'NO_SUCH_ROOM'} end
return {'OK', info[1], info[2], info[3] or '', info[4],
        redis.call('ZCARD', members_key(r)), info[5], info[6]}
""",
)

#: ARGV: P, r, u, token, topic, by, line, incarnation, ver.
TOPIC = Script(
    "topic",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
if not unchanged(r, ARGV[8], ARGV[9]) then return 'CHANGED' end
redis.call('HSET', room_key(r), 'topic', ARGV[5], 'topic_by', ARGV[6])
emit(r, ARGV[7])
redis.call('PUBLISH', P .. 'lobby', redis.call('HGET', room_key(r), 'name'))
return 'OK'
""",
)

#: ARGV: P, r. The members in arrival order, the owner, the topic.
WHO = Script(
    "who",
    r"""
local r = ARGV[2]
local rk = room_key(r)
local info = redis.call('HMGET', rk, 'name', 'owner', 'topic', 'topic_by')
if not info[1] then return {'NO_SUCH_ROOM'} end
local members = {}
for i, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
  members[i] = display(m)
end
local owner = ''
if info[2] and info[2] ~= '' then owner = display(info[2]) end
return {'OK', info[1], owner, info[3] or '', info[4] or '', members}
""",
)

#: ARGV: P, then room keys ('' for every room). Each row: key, name,
#: members, capacity, topic, creation number; a gone room has only its key.
LISTING = Script(
    "listing",
    r"""
local keys = {}
if ARGV[2] == '' then
  keys = redis.call('HKEYS', ROOMS)
else
  for i = 2, #ARGV do keys[#keys + 1] = ARGV[i] end
end
local out = {}
for _, r in ipairs(keys) do
  local info = redis.call('HMGET', room_key(r), 'name', 'capacity', 'topic',
                          'created')
  if info[1] then
    out[#out + 1] = {r, info[1], redis.call('ZCARD', members_key(r)), info[2],
                     info[3] or '', info[4]}
  else
    out[#out + 1] = {r}
  end
end
return out
""",
)

#: ARGV: P, target u, sender name, time, text. Published on the target's
#: node channel; the reply carries the line, for the sender's copy.
PRIVMSG = Script(
    "privmsg",
    r"""
local v = redis.call('HGET', USERS, ARGV[2])
if not v then return {'NO_SUCH_USER'} end
local space = string.find(v, ' ', 1, true)
local token, to = string.sub(v, 1, space - 1), string.sub(v, space + 1)
local colon = string.find(token, ':', 1, true)
local data = line('PRIVMSG', ARGV[3], to, ARGV[4], ARGV[5])
redis.call('PUBLISH', P .. 'node:' .. string.sub(token, 1, colon - 1),
           string.sub(token, colon + 1) .. ' ' .. data)
return {'OK', data, token}
""",
)

#: ARGV: P, r, u, token, incarnation, ver.
DELETE = Script(
    "delete",
    r"""
local r, u = ARGV[2], ARGV[3]
if not holds(u, ARGV[4]) then return {'GONE'} end
local name = redis.call('HGET', room_key(r), 'name')
if not name then return {'NO_SUCH_ROOM'} end
if not unchanged(r, ARGV[5], ARGV[6]) then return {'CHANGED'} end
local data = line('DELETED', name, display(u))
local seq = emit(r, data)
for _, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
  redis.call('SREM', places_key(m), r)
end
drop_room(r, name)
return {'OK', name, seq, data}
""",
)
