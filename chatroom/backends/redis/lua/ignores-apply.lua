
-- An account's ignore list's change: each name key ignored or not, in
-- order. An account's own keys are kept while it is registered: a write
-- decided for it before its deletion (by a device whose node had not yet
-- heard of its end) and come after the erasure keeps nothing.
local c = args.change
local a = c.subject.account
if redis.call('HEXISTS', ACCOUNTS, a) == 0 then return 1 end
local key = P .. 'ignores:' .. a
for _, op in ipairs(c.ops) do
  if op.kind == 'Ignore' then
    redis.call('SADD', key, op.name)
  elseif op.kind == 'Unignore' then
    redis.call('SREM', key, op.name)
  end
end
return 1
