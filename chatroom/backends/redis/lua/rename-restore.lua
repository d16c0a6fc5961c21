
-- The new room's step of a rename with rooms apart: the sealed room's
-- keys restored under the new key (its ids going on from its own), named
-- anew (rename_in_room), and RENAMED numbered as its next event and kept
-- in its log (published here only when the key is the same: otherwise the
-- old room's last step publishes it on the old channel, which its
-- members' nodes hear). Done once: run again it answers the same.
-- The moderation log's entries the rename records (the core's, carried in
-- the journal) are added to the restored log in the same step.
-- ARGV: 2 the new key, 3 the new name, 4 r, 5 inc, 6 the event, 7 r's
-- newest id, 8 the most entries a moderation log keeps, 9 the entries (a
-- JSON array), then kind and DUMP of each key. Answers OK, the event's
-- place, the hooks' secrets; ROOM_EXISTS, the name of a room made there.
local new, r, inc = ARGV[2], ARGV[4], ARGV[5]
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
for i = 10, #ARGV, 2 do
  redis.call('RESTORE', kind_key(new, ARGV[i]), 0, ARGV[i + 1], 'REPLACE')
end
set_newest_id(new, ARGV[7])
local secrets = rename_in_room(new, ARGV[3])
record_entries(new, ARGV[8], ARGV[9])
local seq
if new == r then
  seq = emit(new, ARGV[6])
else
  seq = redis.call('HINCRBY', room_key(new), 'seq', 1)
  redis.call('RPUSH', log_key(new), seq .. ' ' .. ARGV[6])
  trim_log(new)
end
redis.call('HSET', room_key(new), 'renamed', r .. ' ' .. inc .. ' ' .. seq)
return {'OK', seq, secrets}
