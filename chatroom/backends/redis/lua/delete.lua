
local r = ARGV[2]
local name = redis.call('HGET', room_key(r), 'name')
if not name then return {'NO_SUCH_ROOM'} end
if not unchanged(r, ARGV[3], ARGV[4]) then return {'CHANGED'} end
local seq = emit(r, ARGV[5])
local members = redis.call('ZRANGE', members_key(r), 0, -1)
drop_room_keys(r, name)
return {'OK', name, seq, ARGV[5], members}
