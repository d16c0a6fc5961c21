
-- An account's settings' change: each setting stored as the core's entry
-- of it (`entries`: key and value, one for each operation that sets one,
-- in order); the account's sessions on other nodes than the one named
-- told what TellOtherNodes names. An account's own keys are kept while it
-- is registered: a write decided for it before its deletion (by a device
-- whose node had not yet heard of its end) and come after the erasure
-- keeps nothing.
local c = args.change
local a = c.subject.account
if redis.call('HEXISTS', ACCOUNTS, a) == 0 then return 'OK' end
local key = P .. 'settings:' .. a
for _, entry in ipairs(args.entries) do redis.call('HSET', key, entry[1], entry[2]) end
for _, op in ipairs(c.ops) do
  if op.kind == 'TellOtherNodes' then
    for _, s in ipairs(sessions_of(a, op.token)) do tell(s, op.event) end
  end
end
return 'OK'
