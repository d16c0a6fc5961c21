"""The Lua scripts that hold the cluster's shared state in Redis.

Every change to names and rooms is one script, and Redis runs one script at
a time, so each change is atomic across every node: two nodes claiming one
name cannot both win, and a room's capacity cannot be overshot by joins on
different nodes. A script that changes a room also publishes the change to
the room's channel, numbered by the room's ``seq`` counter, so the order in
which Redis ran the scripts is the order every member sees.

Layout (``P`` is the key prefix, ``chatroom:`` by default; ``u`` and ``r``
are name keys from :func:`chatroom.text.name_key`):

==========================  ===============================================
``P users``                 hash u → ``"node:conn display"``
``P where``                 hash u → r, for users in a room
``P rooms``                 hash r → room display name
``P room:r``                hash: name owner permanent capacity seq inc
                            (incarnation: random, new each time the room
                            is made) created topic topic_by
``P members:r``             sorted set u → arrival number (arrival order)
``P history:r``             list of ready-made ``HISTORY`` lines
``P nodes``, ``P alive:n``  the registered nodes and their heartbeats (TTL)
``P counter``               arrival numbers and room incarnations
channel ``P chan:r``        ``"seq line"``: every event of room r
channel ``P node:n``        ``"conn line"``: private messages for node n
channel ``P lobby``         room names whose listing changed
==========================  ===============================================

The scripts build keys from the prefix (``ARGV[1]``) instead of declaring
them in ``KEYS``: fine for one Redis server (or a replicated primary), not
for Redis Cluster's key slots. See ``docs/scaling.md``.
"""

from __future__ import annotations

import hashlib

#: Shared by every script. ``line`` builds a wire line exactly as
#: :func:`chatroom.wire.format_line` does (fields and text joined by spaces).
_PRELUDE = r"""
local P = ARGV[1]
local USERS, WHERE, ROOMS = P .. 'users', P .. 'where', P .. 'rooms'
local function room_key(r) return P .. 'room:' .. r end
local function members_key(r) return P .. 'members:' .. r end
local function history_key(r) return P .. 'history:' .. r end

local function line(...)
  return table.concat({...}, ' ') .. '\r\n'
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

-- Why session token may not act in room r as u, or nil if it may.
local function not_a_member(u, token, r)
  if not holds(u, token) then return 'GONE' end
  if redis.call('HGET', WHERE, u) ~= r then return 'NOT_IN_ROOM' end
  return nil
end

local function emit(r, data)
  local seq = redis.call('HINCRBY', room_key(r), 'seq', 1)
  redis.call('PUBLISH', P .. 'chan:' .. r, seq .. ' ' .. data)
  return seq
end

local function drop_room(r, name)
  redis.call('DEL', room_key(r), members_key(r), history_key(r))
  redis.call('HDEL', ROOMS, r)
  redis.call('PUBLISH', P .. 'lobby', name)
end

-- Take u out of its room, telling the room why; an empty room that was not
-- named at start-up goes. Returns the room's name and the PART's sequence
-- number, or nothing if u was in no room.
local function leave(u, name, reason)
  local r = redis.call('HGET', WHERE, u)
  if not r then return nil end
  redis.call('HDEL', WHERE, u)
  redis.call('ZREM', members_key(r), u)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  local seq = emit(r, line('PART', room, name, reason))
  if redis.call('ZCARD', members_key(r)) == 0
      and redis.call('HGET', rk, 'permanent') ~= '1' then
    drop_room(r, room)
  else
    if redis.call('HGET', rk, 'owner') == u then
      local heir = redis.call('ZRANGE', members_key(r), 0, 0)[1]
      redis.call('HSET', rk, 'owner', heir or '')
      if heir then emit(r, line('OWNER', room, display(heir))) end
    end
    redis.call('PUBLISH', P .. 'lobby', room)
  end
  return room, seq
end

-- Put u into room r (leaving its current room first) and return what the
-- joiner's welcome needs, with the JOIN's sequence number: the joiner's
-- node delivers it only the room's events after that.
local function enter(r, u)
  local name = display(u)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  local old, part_seq = leave(u, name, 'left for ' .. room)
  redis.call('ZADD', members_key(r), redis.call('INCR', P .. 'counter'), u)
  redis.call('HSET', WHERE, u, r)
  local seq = emit(r, line('JOIN', room, name))
  redis.call('PUBLISH', P .. 'lobby', room)
  local members = {}
  for i, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
    members[i] = display(m)
  end
  local info = redis.call('HMGET', rk, 'capacity', 'inc', 'topic', 'topic_by')
  return {'OK', room, seq, info[1], info[2], info[3] or '', info[4] or '',
          old or '', part_seq or 0, members,
          redis.call('LRANGE', history_key(r), 0, -1)}
end

-- Everything a node's user u had, released: its room (with a PART) and its name.
local function release(u, reason)
  leave(u, display(u), reason)
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
"""


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
local r = redis.call('HGET', WHERE, old)
if old ~= u then
  redis.call('HDEL', USERS, old)
  if r then
    local mk, rk = members_key(r), room_key(r)
    redis.call('ZADD', mk, redis.call('ZSCORE', mk, old), u)
    redis.call('ZREM', mk, old)
    redis.call('HDEL', WHERE, old)
    redis.call('HSET', WHERE, u, r)
    if redis.call('HGET', rk, 'owner') == old then
      redis.call('HSET', rk, 'owner', u)
    end
  end
end
redis.call('HSET', USERS, u, token .. ' ' .. name)
if r then
  emit(r, line('NICK', old_name, name))
  return {'IN_ROOM'}
end
return {'OK'}
""",
)

#: ARGV: P, u, token, reason. Frees a user's room and name (disconnects).
RELEASE = Script(
    "release",
    r"""
if holds(ARGV[2], ARGV[3]) then release(ARGV[2], ARGV[4]) end
return 'OK'
""",
)

#: ARGV: P, r, room name, u, token, max rooms, capacity, incarnation.
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
local n = redis.call('INCR', P .. 'counter')
redis.call('HSET', room_key(r), 'name', name, 'owner', u, 'permanent', '0',
           'capacity', ARGV[7], 'seq', 0, 'inc', ARGV[8], 'created', n,
           'topic', '', 'topic_by', '')
redis.call('HSET', ROOMS, r, name)
return enter(r, u)
""",
)

#: ARGV: P, r, u, token.
JOIN = Script(
    "join",
    r"""
local r, u, token = ARGV[2], ARGV[3], ARGV[4]
if not holds(u, token) then return {'GONE'} end
local rk = room_key(r)
local room = redis.call('HGET', rk, 'name')
if not room then return {'NO_SUCH_ROOM'} end
if redis.call('HGET', WHERE, u) == r then return {'ALREADY_IN_ROOM', room} end
local capacity = redis.call('HGET', rk, 'capacity')
if redis.call('ZCARD', members_key(r)) >= tonumber(capacity) then
  return {'ROOM_FULL', room, capacity}
end
return enter(r, u)
""",
)

#: ARGV: P, u, token, reason.
LEAVE = Script(
    "leave",
    r"""
if not holds(ARGV[2], ARGV[3]) then return {'GONE'} end
local room, seq = leave(ARGV[2], display(ARGV[2]), ARGV[4])
return {'OK', room or '', seq or 0}
""",
)

#: ARGV: P, r, u, token, line, history line, history size. One publish.
SAY = Script(
    "say",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
emit(r, ARGV[5])
local size = tonumber(ARGV[7])
if size > 0 then
  redis.call('RPUSH', history_key(r), ARGV[6])
  redis.call('LTRIM', history_key(r), -size, -1)
end
return 'OK'
""",
)

#: ARGV: P, r, u, token, topic, by, line.
TOPIC = Script(
    "topic",
    r"""
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
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
#: node channel; the reply carries the line, for the sender's echo.
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

#: ARGV: P, r, u, token.
DELETE = Script(
    "delete",
    r"""
local r, u = ARGV[2], ARGV[3]
if not holds(u, ARGV[4]) then return {'GONE'} end
local info = redis.call('HMGET', room_key(r), 'name', 'permanent', 'owner')
if not info[1] then return {'NO_SUCH_ROOM'} end
if info[2] == '1' then return {'PERMANENT', info[1]} end
if info[3] ~= u then return {'NOT_OWNER', info[1]} end
local data = line('DELETED', info[1], display(u))
local seq = emit(r, data)
for _, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
  redis.call('HDEL', WHERE, m)
end
drop_room(r, info[1])
return {'OK', info[1], seq, data}
""",
)

#: ARGV: P, node, ttl in ms. Renews this node's heartbeat and harvests every
#: node whose heartbeat has expired. Returns 1 if this node was not
#: registered (it was harvested, or Redis lost its data), then the harvested.
HEARTBEAT = Script(
    "heartbeat",
    r"""
local node = ARGV[2]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
local fresh = redis.call('SADD', P .. 'nodes', node)
local harvested = {}
for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if other ~= node and redis.call('EXISTS', P .. 'alive:' .. other) == 0 then
    harvest(other, 'server ' .. other .. ' went away')
    harvested[#harvested + 1] = other
  end
end
return {fresh, harvested}
""",
)

#: ARGV: P, node, reason. A node leaving on purpose (shutdown).
DEPART = Script(
    "depart",
    r"""
harvest(ARGV[2], ARGV[3])
return 'OK'
""",
)

#: ARGV: P, node, ttl ms, reason, user count n, then n × (u, token, display,
#: r or ''), then room rows (r, name, permanent 0/1, capacity, incarnation).
#:
#: Makes Redis agree with what this node holds, after a start or a lost
#: connection: registers the node, recreates missing rooms, releases entries
#: of this node it no longer has, and re-claims its users' names and places.
#: Returns the users whose names someone else holds now, then per room its
#: (key, incarnation, seq), so the node can tell whether anything was missed.
RESUME = Script(
    "resume",
    r"""
local node, reason = ARGV[2], ARGV[4]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
redis.call('SADD', P .. 'nodes', node)
local n = tonumber(ARGV[5])
local first_room = 6 + 4 * n
local mine = {}
for i = 6, first_room - 1, 4 do mine[ARGV[i]] = ARGV[i + 1] end
local prefix = node .. ':'
local users = redis.call('HGETALL', USERS)
for i = 1, #users, 2 do
  local u, v = users[i], users[i + 1]
  if string.sub(v, 1, #prefix) == prefix
      and string.sub(v, 1, #(mine[u] or '') + 1) ~= (mine[u] or '') .. ' ' then
    release(u, reason)
  end
end
local wanted_rooms = {}
for i = first_room, #ARGV, 5 do
  local r = ARGV[i]
  wanted_rooms[#wanted_rooms + 1] = r
  if redis.call('HEXISTS', ROOMS, r) == 0 then
    local c = redis.call('INCR', P .. 'counter')
    redis.call('HSET', room_key(r), 'name', ARGV[i + 1], 'owner', '',
               'permanent', ARGV[i + 2], 'capacity', ARGV[i + 3], 'seq', 0,
               'inc', ARGV[i + 4], 'created', c, 'topic', '', 'topic_by', '')
    redis.call('HSET', ROOMS, r, ARGV[i + 1])
  end
end
local failed = {}
for i = 6, first_room - 1, 4 do
  local u, token, name, r = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local v = redis.call('HGET', USERS, u)
  if v and not holds(u, token) then
    failed[#failed + 1] = token
  else
    redis.call('HSET', USERS, u, token .. ' ' .. name)
    local now = redis.call('HGET', WHERE, u)
    if now and now ~= r then leave(u, name, reason) end
    if r ~= '' and not redis.call('ZSCORE', members_key(r), u) then
      redis.call('ZADD', members_key(r), redis.call('INCR', P .. 'counter'), u)
      redis.call('HSET', WHERE, u, r)
      local rk = room_key(r)
      if redis.call('HGET', rk, 'owner') == ''
          and redis.call('HGET', rk, 'permanent') ~= '1' then
        redis.call('HSET', rk, 'owner', u)
      end
    end
  end
end
for _, r in ipairs(wanted_rooms) do
  local rk = room_key(r)
  if redis.call('ZCARD', members_key(r)) == 0
      and redis.call('HGET', rk, 'permanent') ~= '1' then
    drop_room(r, redis.call('HGET', rk, 'name'))
  end
end
local rooms = {}
for _, r in ipairs(wanted_rooms) do
  local info = redis.call('HMGET', room_key(r), 'inc', 'seq')
  rooms[#rooms + 1] = {r, info[1], info[2]}
end
return {failed, rooms}
""",
)
