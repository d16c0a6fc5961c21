
-- ARGV: P, account, then pairs of '+' or '-' and a name key.
-- An account's own keys are kept while it is registered: a write decided
-- for it before its deletion (by a device whose node had not yet heard of
-- its end) and come after the erasure keeps nothing.
if redis.call('HEXISTS', ACCOUNTS, ARGV[2]) == 0 then return 1 end
local key = P .. 'ignores:' .. ARGV[2]
for i = 3, #ARGV, 2 do
  if ARGV[i] == '+' then
    redis.call('SADD', key, ARGV[i + 1])
  else
    redis.call('SREM', key, ARGV[i + 1])
  end
end
return 1
