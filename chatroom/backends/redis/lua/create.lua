
-- The room's step of a create: ROOM_EXISTS if there is a room of its key
-- already; else the premises read on the room's keys (CHANGED, the failed
-- one's place and the seating now), then the room made and its maker's
-- join applied, answered as JOIN is.
local c, u = args.change, args.user
local r = c.subject.room
local existing = redis.call('HGET', room_key(r), 'name')
if existing then return {'ROOM_EXISTS', existing} end
local failed = unmet(c, 'room')
if failed then return {'CHANGED', failed, {seating(r, c.about)}} end
for _, op in ipairs(c.ops) do
  if op.kind == 'MakeRoom' then
    make_room_keys(r, op.name, u, '0', args.capacity, args.incarnation, op.now,
                   args.created)
    lobby_news(r, op.name)
  end
end
local mark = apply_in_room(c, args.records, 'after')
return {'OK', mark, view(r, u, args.shown, args.after, args.most),
        {seating(r, c.about)}}
