
local c = cjson.decode(ARGV[5])
if not_a_member(ARGV[3], ARGV[4], c.r) == 'GONE' then return {'GONE'} end
if not holds_for(c) then return {'CHANGED', {seating(c.r, c.about)}} end
c.records = {}
return {'OK', {apply_in_room(c)}, {seating(c.r, c.about)}}
