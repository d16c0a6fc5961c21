
-- A room's rename (chatroom.core.model.changes.rooms.RenameRoom), for the
-- layout that keeps every key in one slot: its premises checked (the
-- room's incarnation and version, its owner, the new name free: else
-- {'CHANGED', the failed one's place, the room that has the new name (or
-- ''), the room it leads to (or '')}), then the rename published on the
-- old channel (its members' nodes move to the new one on it) and
-- everything kept under the old key moved to the new (`new`, the new
-- name's key). `now`: the node's clock, which the grace is counted on;
-- `lobby`: the event for the lobby's watchers ('' for none: a secret
-- room); `keep`: the most entries a moderation log keeps (the entries the
-- rename records go in the room's log, under its new key).
local c, new, now = args.change, args.new, args.now
local r = c.subject.room
c.now = now
local old_name = redis.call('HGET', room_key(r), 'name')
if not old_name then return {'NO_SUCH_ROOM'} end
local failed = unmet(c)
if failed then
  local taken = redis.call('HGET', ROOMS, new)
  if not taken and new ~= r and redis.call('EXISTS', room_key(new)) == 1 then taken = new end
  local leads = former_name(new, now)
  return {'CHANGED', failed, taken or '', leads and leads[3] or ''}
end
local seq, name, until_ = 0, '', 0
for _, op in ipairs(c.ops) do
  if op.kind == 'Emit' then
    seq = emit(r, op.event)
  elseif op.kind == 'RenameRoom' then
    name, until_ = op.name, op['until']
  end
end
if args.lobby ~= '' then redis.call('PUBLISH', P .. 'lobby', args.lobby) end
local members = redis.call('ZRANGE', members_key(r), 0, -1)
if new ~= r then
  for _, key in ipairs({room_key, members_key, history_key, log_key,
                        reactions_key, modlog_key, quiet_key, hooks_key,
                        holding_key, seats_key, pins_key, commands_key,
                        call_key}) do
    if redis.call('EXISTS', key(r)) == 1 then
      redis.call('RENAME', key(r), key(new))
    end
  end
  -- The old key keeps its newest id: a room made under it goes on from there.
  redis.call('HSET', P .. 'ids', new, newest_id(r))
end
rename_indexes(r, new, name, members, until_, now)
rename_hook_index(rename_in_room(new, name), name)
recorded(c, new, args.keep)
lobby_news(r, old_name)
lobby_news(new, name)
return {'OK', seq, members}
