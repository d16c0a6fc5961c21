
-- A room's deletion as the core decided it: the room's step (after HOLDS).
-- Its premises (the room as read) checked, its event published, its keys
-- dropped; answers the room's name, the event's place in its channel, the
-- event and the members the room had, whose places the server's step
-- forgets next (UNLIST).
local c = args.change
local r = c.subject.room
local name = redis.call('HGET', room_key(r), 'name')
if not name then return {'NO_SUCH_ROOM'} end
local failed = unmet(c, 'room')
if failed then return {'CHANGED', failed} end
local seq, shown = 0, ''
local members = redis.call('ZRANGE', members_key(r), 0, -1)
for _, op in ipairs(c.ops) do
  if op.kind == 'Emit' then
    seq, shown = emit(r, op.event), op.event
  elseif op.kind == 'Drop' then
    drop_room_keys(r, name)
  end
end
return {'OK', name, seq, shown, members}
