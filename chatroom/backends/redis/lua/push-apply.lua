
local account = ARGV[2]
local key, owners = P .. 'push:' .. account, P .. 'push-owner'
if ARGV[6] == '1' and redis.call('HEXISTS', ACCOUNTS, account) == 0 then
  return {0, 'gone', {}}
end
if ARGV[3] ~= '-' and redis.call('HLEN', key) >= tonumber(ARGV[3])
    and redis.call('HEXISTS', key, ARGV[4]) == 0 then
  return {0, 'fewer', redis.call('HGETALL', key)}
end
if ARGV[5] ~= '-' and redis.call('HEXISTS', key, ARGV[5]) == 0 then
  return {0, 'subscribed', redis.call('HGETALL', key)}
end
local changed = 0
local i = 7
while i <= #ARGV do
  local endpoint = ARGV[i + 1]
  if ARGV[i] == 'add' then
    local before = redis.call('HGET', owners, endpoint)
    if before and before ~= account then
      redis.call('HDEL', P .. 'push:' .. before, endpoint)
      if redis.call('EXISTS', P .. 'push:' .. before) == 0 then
        changed = changed + redis.call('SREM', P .. 'push-accounts', before)
      end
    end
    redis.call('HSET', owners, endpoint, account)
    redis.call('HSET', key, endpoint, ARGV[i + 2])
    changed = changed + redis.call('SADD', P .. 'push-accounts', account)
    i = i + 3
  elseif ARGV[i] == 'remove' then
    if redis.call('HDEL', key, endpoint) == 1 then
      if redis.call('HGET', owners, endpoint) == account then
        redis.call('HDEL', owners, endpoint)
      end
      if redis.call('EXISTS', key) == 0 then
        changed = changed + redis.call('SREM', P .. 'push-accounts', account)
      end
    end
    i = i + 2
  else
    return redis.error_reply('no operation ' .. ARGV[i])
  end
end
if changed > 0 then redis.call('INCR', P .. 'push-version') end
return {1}
