
local c = args.change
local r = c.subject.room
if not_a_member(args.user, args.token, r) == 'GONE' then return {'GONE'} end
local failed = unmet(c, 'room')
if failed then return {'CHANGED', failed, {seating(r, c.about)}} end
return {'OK', apply_in_room(c, {}, 'before'), {seating(r, c.about)}}
