
-- The room's step of a join. With the rooms in the server's slot (a
-- token given) it is the server's step too, one round trip: the session
-- still holds its user (else GONE), and once the premises hold, the
-- user's rooms name the room and the records are read, as ENTERING does.
local c, u, token = args.change, args.user, args.token
local r = c.subject.room
if token and not holds(u, token) then return {'GONE'} end
if not redis.call('HGET', room_key(r), 'name') then return {'NO_SUCH_ROOM'} end
local failed
if token then failed = unmet(c) else failed = unmet(c, 'room') end
if failed then return {'CHANGED', failed, {seating(r, c.about)}} end
local records, others = args.records, ''
if token then
  index_first(c)
  records = records_of(c)
  others = #sessions_of(u, token)
end
local mark = apply_in_room(c, records, 'after')
return {'OK', mark, view(r, u, args.shown, args.after, args.most),
        {seating(r, c.about)}, others}
