
-- An account's own keys are kept while it is registered: a write decided
-- for it before its deletion (by a device whose node had not yet heard of
-- its end) and come after the erasure keeps nothing.
if redis.call('HEXISTS', ACCOUNTS, ARGV[2]) == 0 then return 'OK' end
local key = P .. 'markers:' .. ARGV[2]
local old = redis.call('HGET', key, ARGV[3])
if old and tonumber(old) > tonumber(ARGV[4]) then return old end
redis.call('HSET', key, ARGV[3], ARGV[4])
if ARGV[6] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[2], ARGV[5])) do tell(s, ARGV[6]) end
end
return 'OK'
