
-- A room's slash commands' change, the room's step: NO_SUCH_ROOM if the
-- room is gone; {'CHANGED', the failed premise's place} if one does not
-- hold (a command of that name, or not; as many as the most); else each
-- command added (AddCommand: kept under its key, as the JSON of its
-- fields) or removed (RemoveCommand). Answers 'OK'.
local c = args.change
local r = c.subject.room
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local ck = commands_key(r)
for _, op in ipairs(c.ops) do
  if op.kind == 'AddCommand' then
    redis.call('HSET', ck, op.name, cjson.encode(op.command))
  elseif op.kind == 'RemoveCommand' then
    redis.call('HDEL', ck, op.name)
  end
end
return 'OK'
