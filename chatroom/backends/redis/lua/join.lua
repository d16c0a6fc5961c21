
local r, u = ARGV[2], ARGV[3]
if not redis.call('HGET', room_key(r), 'name') then return {'NO_SUCH_ROOM'} end
local c = cjson.decode(ARGV[7])
c.records = cjson.decode(ARGV[8])
if not holds_for(c) then return {'CHANGED', {seating(r, c.about)}} end
local marks = apply_in_room(c)
return {'OK', {marks}, view(r, u, ARGV[4], ARGV[5], ARGV[6]), {seating(r, c.about)}}
