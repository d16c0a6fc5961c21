
-- A room's hooks' change, the room's step (the index's are the node's to
-- run around it): NO_SUCH_ROOM if the room is gone; {'CHANGED', the failed
-- premise's place} if one does not hold (a hook of that name, or not; as
-- many as the most); else each hook added (AddHook: kept under its name's
-- key, `names`, one for each added, in order) or removed (RemoveHook).
-- Answers {'OK', the secrets of the hooks removed}.
local c = args.change
local r = c.subject.room
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local hk, added, secrets = hooks_key(r), 0, {}
for _, op in ipairs(c.ops) do
  if op.kind == 'AddHook' then
    added = added + 1
    redis.call('HSET', hk, args.names[added], op.hook)
  elseif op.kind == 'RemoveHook' then
    local kept = redis.call('HGET', hk, op.name)
    redis.call('HDEL', hk, op.name)
    secrets[#secrets + 1] = kept_secret(kept)
  end
end
return {'OK', secrets}
