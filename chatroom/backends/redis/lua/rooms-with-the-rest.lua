
local function room_key(r) return P .. 'room:' .. r end
local function members_key(r) return P .. 'members:' .. r end
local function history_key(r) return P .. 'history:' .. r end
-- The room's quiet members: joined a big room unannounced, not yet spoken
-- (chatroom.core.rooms.big_rooms).
local function quiet_key(r) return P .. 'quiet:' .. r end
local function log_key(r) return P .. 'log:' .. r end
-- Who reacted with what to room r's messages: field "id" → how many
-- distinct reactions message id has, "id reaction" → how many users gave
-- it, "id reaction u" → 1 for each user who did.
local function reactions_key(r) return P .. 'reactions:' .. r end
-- Room r's moderation log: the newest entries, oldest first.
local function modlog_key(r) return P .. 'modlog:' .. r end
-- Room r's hooks (webhooks): field name key → the hook (an older
-- version's: its secret); `P hooks` maps every secret to its hook, an
-- index a post is checked against the room's hooks by
-- (chatroom.backends.redis.hooks).
local function hooks_key(r) return P .. 'hooks:' .. r end
-- Room r's slash commands: field command key → the command's JSON
-- (chatroom.backends.redis.slash_commands).
local function commands_key(r) return P .. 'commands:' .. r end
-- Room r's call while it is on (chatroom.backends.redis.room_calls).
local function call_key(r) return P .. 'call:' .. r end
-- Room r's pinned messages: field id → who pinned it (chatroom.core.messages.pins).
local function pins_key(r) return P .. 'pins:' .. r end
-- Room r's channel: every event of the room, in order (see scripts.py).
local function channel_key(r) return P .. 'chan:' .. r end
local function holding_key(r) return P .. 'holding:' .. r end
-- Room r's copy of its members' names and accounts: field u → "account
-- display" (account '' when not signed in), kept by copy_record.
local function seats_key(r) return P .. 'seats:' .. r end
-- A member seated by an older version, before rooms kept their copies
-- (of who holds it, of its name and account), has none: the scripts
-- read the server's keys instead, which this layout lets them.
local OLDER_ROOMS = true
-- Room r's newest event id (0: none yet), the next one, and ids skipped.
local function newest_id(r)
  return tonumber(redis.call('HGET', P .. 'ids', r) or '0')
end
local function next_id(r) return redis.call('HINCRBY', P .. 'ids', r, 1) end
local function skip_ids(r, n) redis.call('HINCRBY', P .. 'ids', r, n) end
-- Every room that was ever made and numbered its events (gone ones too).
local function numbered_rooms() return redis.call('HKEYS', P .. 'ids') end
local function numbering(_r) end  -- P ids lists it at its first event
-- A room's keys sealed by a rename's steps (rooms apart only): none here.
local function sealed_key(r, kind) return P .. 'renaming-' .. kind .. ':' .. r end
-- Room r's key of a kind (one of ROOM_KINDS), and its newest id set.
local function kind_key(r, kind) return P .. kind .. ':' .. r end
-- Sender s's transaction key k (chatroom.core.model.changes.transactions):
-- one key of the server's, whatever room or conversation it was used in.
local function txn_key(_r, s, k) return P .. 'txn:' .. s .. ':' .. k end
local function set_newest_id(r, id) redis.call('HSET', P .. 'ids', r, id) end
-- The lobby's changes (room r, shown as name, changed its row in the room
-- list): numbered in the server's index of changes (`P listed-changes`,
-- room → the number of its last change, `P listed`'s 'version' the last
-- number given), from which a node reads again the rows it keeps and tells
-- its lobby's watchers (chatroom.backends.redis.listing). A change of
-- more than the row's count is numbered in `P listed-rows` too.
local function lobby_news(r, _name)
  local version = redis.call('HINCRBY', P .. 'listed', 'version', 1)
  redis.call('ZADD', P .. 'listed-changes', version, r)
  redis.call('ZADD', P .. 'listed-rows', version, r)
end
-- Room r's members changed, and nothing else of its row: the change
-- numbered, and the count stored with it (`P listed-counts`, r → its
-- members), so that a node reads that count again, not the whole row.
local function lobby_count(r)
  redis.call('ZADD', P .. 'listed-changes',
             redis.call('HINCRBY', P .. 'listed', 'version', 1), r)
  redis.call('HSET', P .. 'listed-counts', r, redis.call('ZCARD', members_key(r)))
end
