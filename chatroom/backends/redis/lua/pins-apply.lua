
-- A room's pins' change: NO_SUCH_ROOM if the room is gone; {'CHANGED', the
-- failed premise's place} if the room is not as read; else each pin set
-- or taken off, the event shown to the members, the entries recorded in
-- the room's moderation log (`keep`: the most it keeps).
local c = args.change
local r = c.subject.room
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  if op.kind == 'SetPin' then
    if op.pinned then
      redis.call('HSET', pins_key(r), op.event_id, op.by)
    else
      redis.call('HDEL', pins_key(r), op.event_id)
    end
  elseif op.kind == 'Emit' then
    emit(r, op.event)
  end
end
recorded(c, r, args.keep)
return 'OK'
