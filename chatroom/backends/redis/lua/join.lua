
local r, u, token = ARGV[2], ARGV[3], ARGV[9]
-- with the rooms in the server's slot, the server's step is this one's too
-- (token given: ENTERING's check and index, before anything is written)
if token and not holds(u, token) then return {'GONE'} end
if not redis.call('HGET', room_key(r), 'name') then return {'NO_SUCH_ROOM'} end
local c = cjson.decode(ARGV[7])
if not holds_for(c) then return {'CHANGED', {seating(r, c.about)}} end
local others = ''
if token then
  index_first(c)
  c.records = records_of(c)
  others = #sessions_of(u, token)
else
  c.records = cjson.decode(ARGV[8])
end
local marks = apply_in_room(c)
return {'OK', {marks}, view(r, u, ARGV[4], ARGV[5], ARGV[6]), {seating(r, c.about)},
        others}
