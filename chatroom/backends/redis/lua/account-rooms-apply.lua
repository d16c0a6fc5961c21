
-- An account's own keys are kept while it is registered: a write decided
-- for it before its deletion (by a device whose node had not yet heard of
-- its end) and come after the erasure keeps nothing.
if redis.call('HEXISTS', ACCOUNTS, ARGV[2]) == 0 then return 1 end
local key = P .. 'account-rooms:' .. ARGV[2]
local order = P .. 'account-rooms-order:' .. ARGV[2]
local i = 3
while i <= #ARGV do
  if ARGV[i] == 'remember' then
    if redis.call('HSETNX', key, ARGV[i + 1], ARGV[i + 2]) == 1 then
      local entered = redis.call('INCR', P .. 'account-rooms-seq')
      redis.call('ZADD', order, entered, ARGV[i + 1])
    end
    i = i + 3
  elseif ARGV[i] == 'forget' then
    redis.call('ZREM', order, ARGV[i + 1])
    redis.call('HDEL', key, ARGV[i + 1])
    i = i + 2
  else
    return redis.error_reply('no operation ' .. ARGV[i])
  end
end
return 1
