"""The Lua every cluster script starts with: the Redis layout as functions.

Each script of :mod:`chatroom.backends.redis.scripts`,
:mod:`~chatroom.backends.redis.node_scripts`,
:mod:`~chatroom.backends.redis.moderation_scripts`
and :mod:`chatroom.backends.redis.accounts` is this prelude plus its own body, so
the keys of the layout (described in :mod:`chatroom.backends.redis.scripts`) and
the steps several scripts take (seating a member, leaving a room, ending a
session, publishing a room event in order) are written once.
"""

from __future__ import annotations

import hashlib

#: Shared by every script.
_PRELUDE = r"""
local P = ARGV[1]
local USERS, ROOMS = P .. 'users', P .. 'rooms'
local SIGNED, ACCOUNTS, GBANS = P .. 'signed', P .. 'accounts', P .. 'gbans'
local function room_key(r) return P .. 'room:' .. r end
local function members_key(r) return P .. 'members:' .. r end
local function history_key(r) return P .. 'history:' .. r end
local function places_key(u) return P .. 'in:' .. u end
-- The room's quiet members: joined a big room unannounced, not yet spoken
-- (chatroom.core.presence).
local function quiet_key(r) return P .. 'quiet:' .. r end
-- The tokens of u's devices' sessions on other nodes (an account's devices).
local function holders_key(u) return P .. 'holders:' .. u end

-- Events are chatroom.core.codec's JSON objects. A stored event a node
-- hands a script to number ends with '"id":""}' (its canonical encoding,
-- the id last): numbered puts the id between those quotes.
local function numbered(data, id)
  return string.sub(data, 1, -4) .. '"' .. id .. '"}'
end

-- A stored event as a table (nil for a redacted entry's '', or an entry
-- that is no event: an older version's).
local function decoded(entry)
  if entry == '' then return nil end
  local ok, event = pcall(cjson.decode, entry)
  if ok and type(event) == 'table' then return event end
  return nil
end

-- The events the scripts still make themselves: someone came in, left,
-- or owns the room now (chatroom.core.events' Joined, Departure,
-- OwnerChanged).
local function joined(room, name)
  return cjson.encode({type = 'Joined', room = room, user = name})
end

local function departed(room, name, kind, reason, moved_to)
  return cjson.encode({type = 'Departure', room = room, user = name, kind = kind,
                       reason = reason or '', moved_to = moved_to or '', by = ''})
end

local function owner_changed(room, name)
  return cjson.encode({type = 'OwnerChanged', room = room, user = name})
end

local function display(u)
  local v = redis.call('HGET', USERS, u)
  if not v then return u end
  return string.sub(v, string.find(v, ' ', 1, true) + 1)
end

local function holds(u, token)
  local v = redis.call('HGET', USERS, u)
  if v == false then return false end
  if string.sub(v, 1, #token + 1) == token .. ' ' then return true end
  return redis.call('SISMEMBER', holders_key(u), token) == 1
end

-- u's session, if u is connected: its token, node, connection number there
-- and display name.
local function session_of(u)
  local v = redis.call('HGET', USERS, u)
  if not v then return nil end
  local space = string.find(v, ' ', 1, true)
  local token = string.sub(v, 1, space - 1)
  local colon = string.find(token, ':', 1, true)
  return {token = token, node = string.sub(token, 1, colon - 1),
          conn = string.sub(token, colon + 1), name = string.sub(v, space + 1)}
end

-- A message for session s on its node's channel (see the layout above).
local function tell(s, data)
  redis.call('PUBLISH', P .. 'node:' .. s.node, s.conn .. ' ' .. data)
end

-- Every session holding u: its own, then its devices' on other nodes (but
-- the one whose token is `but`).
local function sessions_of(u, but)
  local s = session_of(u)
  if not s then return {} end
  local all = {}
  if s.token ~= but then all[1] = s end
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    if token ~= but then
      local colon = string.find(token, ':', 1, true)
      all[#all + 1] = {token = token, node = string.sub(token, 1, colon - 1),
                       conn = string.sub(token, colon + 1), name = s.name}
    end
  end
  return all
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

-- Why session token may not act in room r as u on a decision made on the
-- room's incarnation inc and version ver, or nil if it may.
local function not_decided(u, token, r, inc, ver)
  local refusal = not_a_member(u, token, r)
  if refusal then return refusal end
  if not unchanged(r, inc, ver) then return 'CHANGED' end
  return nil
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

-- Who reacted with what to room r's messages: field "id" → how many
-- distinct reactions message id has, "id reaction" → how many users gave
-- it, "id reaction u" → 1 for each user who did.
local function reactions_key(r) return P .. 'reactions:' .. r end
-- Message id of room r is gone (redacted): so are its reactions.
local function forget_reactions(r, id)
  local rk, prefix = reactions_key(r), id .. ' '
  for _, field in ipairs(redis.call('HKEYS', rk)) do
    if field == id or string.sub(field, 1, #prefix) == prefix then
      redis.call('HDEL', rk, field)
    end
  end
end

-- Room r's moderation log: the newest entries, oldest first.
local function modlog_key(r) return P .. 'modlog:' .. r end

-- Cluster search (`P search` set by a node with --search-db): what the
-- full-text index must learn, in the order Redis ran the scripts, kept in
-- the stream `P search:outbox` until a node has applied it to PostgreSQL
-- (chatroom.backends.redis.searching): field `r` (a room) or `c` (a
-- private conversation) naming where, and `e`, the data.
local function feed(field, where, data)
  if redis.call('EXISTS', P .. 'search') == 1 then
    redis.call('XADD', P .. 'search:outbox', 'MAXLEN', '~', OUTBOX_SIZE, '*',
               field, where, 'e', data)
  end
end

-- Room r's data: a stored event's line, or '' for "room r is gone, with
-- its messages".
local function feed_search(r, data) feed('r', r, data) end

-- Private conversation c's (conversations.py's APPEND): a stored
-- message's line (`@ID PRIVMSG sender recipient time text`).
local function feed_private(c, data) feed('c', c, data) end

local function drop_room(r, name)
  feed_search(r, '')
  redis.call('DEL', room_key(r), members_key(r), history_key(r), log_key(r),
             reactions_key(r), modlog_key(r), quiet_key(r))
  redis.call('HDEL', ROOMS, r)
  redis.call('PUBLISH', P .. 'lobby', name)
end

-- Set by the scripts that release a node's users (a node shutting down or
-- harvested): rooms they leave empty are kept, with their owner, until this
-- time (ms) for their members to come back (see `sweep_kept`).
local keep_until = false

-- Whether room r stays when empty: named at start-up, or kept (/set keep).
local function stays(r)
  local info = redis.call('HMGET', room_key(r), 'permanent', 'kept')
  return info[1] == '1' or info[2] == '1'
end

-- Where a change nobody is shown (a quiet member's arrival or departure)
-- falls in room r's events: after its newest. It takes no sequence number
-- of its own, so the published events and the log stay consecutive.
local function newest(r)
  return tonumber(redis.call('HGET', room_key(r), 'seq'))
end

-- Take u out of room r, telling the room why (a departure of `kind`
-- with `reason`, or the event `farewell`: a departure the node made, a
-- KICK if `kick`), unless u was quiet (a KICK is told all the same);
-- an empty room that does not stay goes. The owner of
-- a kept room leaves it ownerless (its account owns it); any other owner
-- hands it to the longest-present member. Returns the farewell's sequence
-- number, or 0 if u was not in r.
local function leave(u, name, r, kind, reason, farewell, kick)
  if not is_member(u, r) then return 0 end
  redis.call('ZREM', members_key(r), u)
  redis.call('SREM', places_key(u), r)
  local rk = room_key(r)
  local info = redis.call('HMGET', rk, 'name', 'owner', 'owner_account')
  local room = info[1]
  local seq
  if redis.call('SREM', quiet_key(r), u) == 1 and not kick then
    seq = newest(r) + 1  -- what the member is replayed comes before this
  else
    seq = emit(r, farewell or departed(room, name, kind, reason))
  end
  local empty = redis.call('ZCARD', members_key(r)) == 0
  if info[2] == u and (info[3] or '') ~= '' then
    set_owner(r, '')
  elseif info[2] == u and not empty then
    local heir = redis.call('ZRANGE', members_key(r), 0, 0)[1]
    set_owner(r, heir)
    emit(r, owner_changed(room, display(heir)))
  end
  if empty and not stays(r) then
    if keep_until then
      redis.call('HSET', rk, 'keep_until', keep_until)
      redis.call('PUBLISH', P .. 'lobby', room)
    else
      drop_room(r, room)
    end
  else
    redis.call('PUBLISH', P .. 'lobby', room)
  end
  return seq
end

local function leave_all(u, name, kind, reason)
  for _, r in ipairs(redis.call('SMEMBERS', places_key(u))) do
    leave(u, name, r, kind, reason)
  end
  redis.call('DEL', places_key(u))
end

-- Quiet member u of room r is about to speak: the room is shown its JOIN.
local function announce(r, u)
  if redis.call('SREM', quiet_key(r), u) == 1 then
    emit(r, joined(redis.call('HGET', room_key(r), 'name'), display(u)))
  end
end

local function seat(u, r)
  redis.call('ZADD', members_key(r), redis.call('INCR', P .. 'counter'), u)
  redis.call('SADD', places_key(u), r)
end

-- Rooms waiting for their members whose time is up: gone if still empty
-- (unless kept since); otherwise an owner who has not come back hands the
-- room to its longest-present member (a kept room's account keeps it).
local function sweep_kept(now)
  for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
    local rk = room_key(r)
    local kept = redis.call('HGET', rk, 'keep_until')
    if kept and tonumber(kept) <= now then
      local room = redis.call('HGET', rk, 'name')
      redis.call('HDEL', rk, 'keep_until')
      if redis.call('ZCARD', members_key(r)) == 0 then
        if not stays(r) then drop_room(r, room) end
      else
        local owner = redis.call('HGET', rk, 'owner')
        if owner ~= '' and not is_member(owner, r)
            and (redis.call('HGET', rk, 'owner_account') or '') == '' then
          local heir = redis.call('ZRANGE', members_key(r), 0, 0)[1]
          set_owner(r, heir)
          emit(r, owner_changed(room, display(heir)))
        end
      end
    end
  end
end

-- What a member of room r is shown of it as of its event seq: members,
-- topic, history (see `enter`), as `enter` and `VIEW` answer it.
local function welcome(r, u, seq, part_seq, shown, since, bound)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  -- In a room with quiet members (chatroom.core.presence) only the
  -- announced ones are listed, and u, with the true count beside them.
  local members = {}
  local all = redis.call('ZRANGE', members_key(r), 0, -1)
  local hidden = redis.call('SCARD', quiet_key(r)) > 0
  for _, m in ipairs(all) do
    if not hidden or m == u or redis.call('SISMEMBER', quiet_key(r), m) == 0 then
      members[#members + 1] = display(m)
    end
  end
  local info = redis.call('HMGET', rk, 'capacity', 'inc', 'topic', 'topic_by',
                          'owner', 'topic_at')
  local first, last = kept(r)
  -- the newest `shown` events; topic changes among them (IRC's event
  -- playback only) do not count, so they push no message out of the window
  local start, counted = last + 1, 0
  while start > first and counted < tonumber(shown) do
    start = start - 1
    local event = decoded(redis.call('LINDEX', history_key(r), start - first))
    if not event or event.type ~= 'TopicChanged' then counted = counted + 1 end
  end
  if since ~= '' then
    since = tonumber(since)
    start = last - tonumber(bound) + 1
    if since >= first - 1 and since <= last then start = math.max(start, since + 1) end
  end
  return {'OK', room, seq, info[1], info[2], info[3] or '', info[4] or '',
          part_seq, members, events(r, math.max(start, first), last), first, last,
          hidden and #all or -1, info[5] ~= '' and display(info[5]) or '',
          info[6] or '0'}
end

-- Put u into room r (leaving room `leaving` first, if u is in it) and
-- return what the joiner's welcome needs, with the JOIN's sequence number:
-- the joiner's node delivers it only the room's events after that.
-- The history is the last `shown` events or, with `since` (an id), those
-- after it, at most `bound` (start as chatroom.core.rules.catch_up computes
-- it); the ids kept (first, last) come with it, for the node to decide
-- whether the resume has a gap. A room of `big` members or more (0: no
-- limit) is joined quietly, as chatroom.core.presence.joins_quietly says:
-- no JOIN. While the room has quiet members, the joiner is shown those
-- whose arrival was shown and itself, and the true count (else -1); then
-- the owner's name ('' for none).
local function enter(r, u, leaving, shown, since, bound, big)
  local name = display(u)
  local rk = room_key(r)
  local room = redis.call('HGET', rk, 'name')
  local part_seq = 0
  if leaving ~= '' then
    part_seq = leave(u, name, leaving, 'part', '', departed(
      redis.call('HGET', room_key(leaving), 'name'), name, 'part', '', room))
  end
  big = tonumber(big)
  local quiet = big > 0 and redis.call('ZCARD', members_key(r)) >= big
  seat(u, r)
  local account = redis.call('HGET', rk, 'owner_account')
  if account and account ~= '' and redis.call('HGET', SIGNED, u) == account then
    set_owner(r, u)  -- a kept room: whoever is signed in to its account owns it
  end
  local seq
  if quiet then
    redis.call('SADD', quiet_key(r), u)
    seq = newest(r)  -- the joiner is sent every event after this
  else
    seq = emit(r, joined(room, name))
  end
  redis.call('PUBLISH', P .. 'lobby', room)
  return welcome(r, u, seq, part_seq, shown, since, bound)
end

-- Everything a node's user u had, released: its rooms (each told a
-- departure of `kind`, 'quit' or 'harvest', with `reason`), its name.
local function release(u, reason, kind)
  leave_all(u, display(u), kind or 'quit', reason)
  redis.call('HDEL', USERS, u)
  redis.call('HDEL', SIGNED, u)
  redis.call('DEL', holders_key(u), P .. 'devices:' .. u, P .. 'devnum:' .. u)
  redis.call('SREM', P .. 'held', u)
end

-- Session token of u lets go (disconnected): a device's node forgets it;
-- u's own, with devices on other nodes, hands u to one of them (its rooms
-- stay); the last one releases u.
local function let_go(u, token, reason, kind)
  redis.call('HDEL', P .. 'devices:' .. u, token)  -- its devices with it
  if redis.call('SREM', holders_key(u), token) == 1 then return end
  local heir = redis.call('SPOP', holders_key(u))
  if heir then
    redis.call('HSET', USERS, u, heir .. ' ' .. display(u))
    return
  end
  release(u, reason, kind)
end

-- End connected user u's session, wherever it is (taken over, killed,
-- banned): its node hears first, so the session is told nothing of its own
-- departure; then its rooms hear PART reason and its name is free. Until
-- that node's next heartbeats, the session is also listed as ended, for a
-- node that missed the message while out of touch (see RESUME); a day at
-- most, for a node that never comes back.
local function end_session(u, reason)
  local all = sessions_of(u, '')
  if #all == 0 then return end
  for _, s in ipairs(all) do
    tell(s, 'end ' .. reason)
    local ended = P .. 'ended:' .. s.node
    redis.call('HSET', ended, s.conn, reason)
    redis.call('PEXPIRE', ended, 86400000)
  end
  release(u, reason)
end

-- The user called u as moderation sees them (chatroom.core.moderation.Target):
-- {name, account, token, present in room r} if connected; {name as
-- registered, account} if not connected but registered; {} otherwise.
local function target(u, r)
  local s = session_of(u)
  if s then
    local present = 0
    if r ~= '' and is_member(u, r) then present = 1 end
    return {s.name, redis.call('HGET', SIGNED, u) or '', s.token, present}
  end
  local account = redis.call('HGET', ACCOUNTS, u)
  if not account then return {} end
  return {string.sub(account, 1, string.find(account, ' ', 1, true) - 1), u, '', 0}
end

-- Release every user of a node that is gone.
local function harvest(node, reason)
  redis.call('SREM', P .. 'nodes', node)
  redis.call('DEL', P .. 'alive:' .. node)
  local prefix = node .. ':'
  for _, u in ipairs(redis.call('SMEMBERS', P .. 'held')) do
    for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
      if string.sub(token, 1, #prefix) == prefix then
        redis.call('SREM', holders_key(u), token)
        redis.call('HDEL', P .. 'devices:' .. u, token)
      end
    end
    if redis.call('SCARD', holders_key(u)) == 0 then
      redis.call('SREM', P .. 'held', u)
    end
  end
  local users = redis.call('HGETALL', USERS)
  for i = 1, #users, 2 do
    local v = users[i + 1]
    if string.sub(v, 1, #prefix) == prefix then
      let_go(users[i], string.sub(v, 1, string.find(v, ' ', 1, true) - 1), reason,
             'harvest')
    end
  end
end

-- now: when it is made (Unix seconds; '0' for a room remade from a node's
-- memory, whose time is unknown).
local function make_room(r, name, owner, permanent, capacity, inc, now)
  redis.call('HSET', room_key(r), 'name', name, 'owner', owner,
             'permanent', permanent, 'capacity', capacity, 'seq', 0,
             'inc', inc, 'ver', 0, 'created', redis.call('INCR', P .. 'counter'),
             'topic', '', 'topic_by', '', 'policy', '', 'kept', '0',
             'restricted', '0', 'owner_account', '', 'created_at', now or '0',
             'topic_at', '0')
  redis.call('HSET', ROOMS, r, name)
end
"""


#: Published events a room keeps in Redis for nodes that missed them.
LOG_SIZE = 1024

#: Index changes the search outbox holds while no node can apply them
#: (PostgreSQL down): about 200 bytes each; older ones are dropped past it.
OUTBOX_SIZE = 1_000_000

_PRELUDE = _PRELUDE.replace("LOG_SIZE", str(LOG_SIZE))
_PRELUDE = _PRELUDE.replace("OUTBOX_SIZE", str(OUTBOX_SIZE))


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
