
local c = cjson.decode(ARGV[3])
if not holds_for(c) then return {'CHANGED', {seating(c.r, c.about)}} end
c.records = cjson.decode(ARGV[4])
return {'OK', {apply_in_room(c)}, {seating(c.r, c.about)}}
