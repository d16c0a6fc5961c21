
local r, name, u = ARGV[2], ARGV[3], ARGV[4]
local existing = redis.call('HGET', room_key(r), 'name')
if existing then return {'ROOM_EXISTS', existing} end
local c = cjson.decode(ARGV[11])
c.records = cjson.decode(ARGV[12])
if not holds_for(c) then return {'CHANGED', {seating(r, c.about)}} end
make_room_keys(r, name, u, '0', ARGV[5], ARGV[6], ARGV[7], ARGV[13])
lobby_news(r, name)
local marks = apply_in_room(c)
return {'OK', {marks}, view(r, u, ARGV[8], ARGV[9], ARGV[10]), {seating(r, c.about)}}
