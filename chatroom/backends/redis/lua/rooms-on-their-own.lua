
local ROOM_TAG = '{' .. string.sub(P, 2, string.find(P, '}', 1, true) - 1) .. '/'
local function in_room(r, kind) return ROOM_TAG .. r .. '}:' .. kind end
local function room_key(r) return in_room(r, 'room') end
local function members_key(r) return in_room(r, 'members') end
local function history_key(r) return in_room(r, 'history') end
local function quiet_key(r) return in_room(r, 'quiet') end
local function log_key(r) return in_room(r, 'log') end
local function reactions_key(r) return in_room(r, 'reactions') end
-- Room r's moderation log; '*' is the server's (of no room), kept in the
-- server's slot, where the scripts of the actions it records (server bans,
-- lockdowns, reports) write it with them.
local function modlog_key(r)
  if r == '*' then return P .. 'server-modlog' end
  return in_room(r, 'modlog')
end
local function hooks_key(r) return in_room(r, 'hooks') end
local function commands_key(r) return in_room(r, 'commands') end
local function call_key(r) return in_room(r, 'call') end
local function pins_key(r) return in_room(r, 'pins') end
local function channel_key(r) return in_room(r, 'chan') end
local function holding_key(r) return in_room(r, 'holding') end
local function seats_key(r) return in_room(r, 'seats') end
-- No older version seated a room in this layout, and a room's scripts
-- will read its slot alone: a member with no copy is a bug.
local OLDER_ROOMS = false
local function newest_id(r)
  return tonumber(redis.call('GET', in_room(r, 'ids')) or '0')
end
local function next_id(r) return redis.call('INCR', in_room(r, 'ids')) end
local function skip_ids(r, n) redis.call('INCRBY', in_room(r, 'ids'), n) end
local function numbered_rooms() return redis.call('SMEMBERS', P .. 'numbered') end
local function numbering(r) redis.call('SADD', P .. 'numbered', r) end
-- Room r's key of a kind (one of ROOM_KINDS), and its newest id set.
local function kind_key(r, kind) return in_room(r, kind) end
-- Sender s's transaction key k (chatroom.core.model.changes.transactions),
-- kept where the script that stores what it did runs: in the slot of room
-- r, or the server's (a private message's: r nil). A key is thus known in
-- the room it was used in (and the server's slot), not in every room.
local function txn_key(r, s, k)
  if r then return in_room(r, 'txn:' .. s .. ':' .. k) end
  return P .. 'txn:' .. s .. ':' .. k
end
local function set_newest_id(r, id) redis.call('SET', in_room(r, 'ids'), id) end
-- A room's keys sealed by a rename's steps (room_renames: renamed within
-- its slot, so its scripts find no room), until the rename is done.
local function sealed_key(r, kind) return kind_key(r, 'renaming:' .. kind) end
-- The lobby's changes (room r, shown as name, changed its row in the room
-- list) go by a plain PUBLISH: a channel of no slot, so that a room's
-- script may send it from whichever shard holds the room
-- (chatroom.backends.redis.calls' broadcast channels); a room's script
-- writes its slot alone, so there is no index of changes, and a node keeps
-- its rows by this news. Watchers re-read the listing: it needs no order.
local function lobby_news(_r, name) redis.call('PUBLISH', P .. 'lobby', name) end
-- Room r's members changed: news like any change of its row here.
local function lobby_count(r)
  lobby_news(r, redis.call('HGET', room_key(r), 'name'))
end
