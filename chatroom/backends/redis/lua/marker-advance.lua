
-- An account's read markers' change: its premise (the marker at most the
-- id, or none) checked ({'CHANGED', the failed one's place, the marker in
-- force}), then each marker set; the account's sessions on other nodes
-- than the one named are told what TellOtherNodes names (a MarkerMoved)
-- on their nodes' channels, after what was told them before (their
-- private messages), before what comes after. An account's own keys are
-- kept while it is registered: a write decided for it before its
-- deletion (by a device whose node had not yet heard of its end) and come
-- after the erasure keeps nothing.
local c = args.change
local a = c.subject.account
if redis.call('HEXISTS', ACCOUNTS, a) == 0 then return {'OK'} end
local key = P .. 'markers:' .. a
local failed = unmet(c)
if failed then
  local room = ''
  for _, op in ipairs(c.ops) do
    if op.kind == 'SetMarker' then room = op.room end
  end
  return {'CHANGED', failed, redis.call('HGET', key, room) or '0'}
end
for _, op in ipairs(c.ops) do
  if op.kind == 'SetMarker' then
    redis.call('HSET', key, op.room, op.event_id)
  elseif op.kind == 'TellOtherNodes' then
    for _, s in ipairs(sessions_of(a, op.token)) do tell(s, op.event) end
  end
end
return {'OK'}
