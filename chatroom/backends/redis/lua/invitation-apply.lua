
-- An invitation's change: its premise checked ({0, what is kept now} if
-- it does not hold), then kept anew or dropped.
local c = args.change
local INVITATIONS = P .. 'invitations'
local code = c.subject.code
if unmet(c) then return {0, redis.call('HGET', INVITATIONS, code) or ''} end
for _, op in ipairs(c.ops) do
  if op.kind == 'SetInvitation' then
    redis.call('HSET', INVITATIONS, code, op.kept)
  elseif op.kind == 'DropInvitation' then
    redis.call('HDEL', INVITATIONS, code)
  end
end
return {1}
