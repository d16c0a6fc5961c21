-- An account's own keys are kept while it is registered: a write decided
-- for it before its deletion (by a device whose node had not yet heard of
-- its end) and come after the erasure keeps nothing.
if redis.call('HEXISTS', ACCOUNTS, ARGV[2]) == 0 then return 'OK' end
local key = P .. 'settings:' .. ARGV[2]
for i = 5, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
if ARGV[4] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[2], ARGV[3])) do tell(s, ARGV[4]) end
end
return 'OK'
