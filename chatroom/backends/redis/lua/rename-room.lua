
-- A room's rename (chatroom.core.model.changes.rooms.RenameRoom), for the layout that
-- keeps every key in one slot: its premises checked (the room's
-- incarnation and version, its owner, the new name free), then the
-- rename published on the old channel (its members' nodes move to the
-- new one on it) and everything kept under the old key moved to the new.
-- ARGV: 2 old key, 3 new key, 4 new name, 5 inc, 6 ver, 7 owner as read,
-- 8 until when the old name leads to the room (Unix seconds), 9 now (the
-- node's clock, which the grace is counted on), 10 the rename's event,
-- 11 the same for the lobby's watchers ('' for none: a secret room),
-- 12 the most entries a moderation log keeps, 13 the entries the rename
-- records in the room's log (a JSON array), under its new key.
local r, new, name = ARGV[2], ARGV[3], ARGV[4]
local old_name = redis.call('HGET', room_key(r), 'name')
if not old_name then return {'NO_SUCH_ROOM'} end
if not unchanged(r, ARGV[5], ARGV[6]) then return {'CHANGED'} end
if redis.call('HGET', room_key(r), 'owner') ~= ARGV[7] then return {'CHANGED'} end
if new ~= r then
  local taken = redis.call('HGET', ROOMS, new)
  if taken or redis.call('EXISTS', room_key(new)) == 1 then
    return {'CHANGED', taken or new, ''}
  end
  local leads = former_name(new, tonumber(ARGV[9]))
  if leads and leads[2] ~= r then return {'CHANGED', '', leads[3]} end
end
local seq = emit(r, ARGV[10])
if ARGV[11] ~= '' then redis.call('PUBLISH', P .. 'lobby', ARGV[11]) end
local members = redis.call('ZRANGE', members_key(r), 0, -1)
if new ~= r then
  for _, key in ipairs({room_key, members_key, history_key, log_key,
                        reactions_key, modlog_key, quiet_key, hooks_key,
                        holding_key, seats_key, pins_key}) do
    if redis.call('EXISTS', key(r)) == 1 then
      redis.call('RENAME', key(r), key(new))
    end
  end
  -- The old key keeps its newest id: a room made under it goes on from there.
  redis.call('HSET', P .. 'ids', new, newest_id(r))
end
rename_indexes(r, new, name, members, tonumber(ARGV[8]), tonumber(ARGV[9]))
rename_hook_index(rename_in_room(new, name), name)
record_entries(new, ARGV[12], ARGV[13])
lobby_news(r, old_name)
lobby_news(new, name)
return {'OK', seq, members}
