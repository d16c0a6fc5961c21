
local c = args.change
local r = c.subject.room
local failed = unmet(c, 'room')
if failed then return {'CHANGED', failed, {seating(r, c.about, true)}} end
return {'OK', apply_in_room(c, {}, args.mark), {seating(r, c.about)}}
