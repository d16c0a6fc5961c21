
-- The new room's step of a rename with rooms apart: the sealed room's
-- keys restored under the new key (its ids going on from its own), named
-- anew (rename_in_room), and RENAMED numbered as its next event and kept
-- in its log (published here only when the key is the same: otherwise the
-- old room's last step publishes it on the old channel, which its
-- members' nodes hear). Done once: run again it answers the same.
-- The moderation log's entries the rename records (the core's, carried in
-- the journal) are added to the restored log in the same step.
-- Operands: new (the new key), name (the new name), room (r), incarnation,
-- event, ids (r's newest id), keep (the most entries a moderation log
-- keeps), entries, dumps (kind and DUMP, in hex, of each key). Answers OK,
-- the event's place, the hooks' secrets; ROOM_EXISTS, the name of a room
-- made there.
local new, r, inc = args.new, args.room, args.incarnation
local done = redis.call('HGET', room_key(new), 'renamed')
if done then
  local from, was, seq = string.match(done, '^(%S+) (%S+) (%S+)$')
  if from == r and was == inc then
    local secrets = {}
    for _, kept in ipairs(redis.call('HVALS', hooks_key(new))) do
      table.insert(secrets, kept_secret(kept))
    end
    return {'OK', seq, secrets}
  end
end
local existing = redis.call('HGET', room_key(new), 'name')
if existing then return {'ROOM_EXISTS', existing} end
for _, dumped in ipairs(args.dumps) do
  redis.call('RESTORE', kind_key(new, dumped[1]), 0, unhex(dumped[2]), 'REPLACE')
end
set_newest_id(new, args.ids)
local secrets = rename_in_room(new, args.name)
record_entries(new, args.keep, args.entries)
local seq
if new == r then
  seq = emit(new, args.event)
else
  seq = redis.call('HINCRBY', room_key(new), 'seq', 1)
  redis.call('RPUSH', log_key(new), seq .. ' ' .. args.event)
  trim_log(new)
end
redis.call('HSET', room_key(new), 'renamed', r .. ' ' .. inc .. ' ' .. seq)
return {'OK', seq, secrets}
