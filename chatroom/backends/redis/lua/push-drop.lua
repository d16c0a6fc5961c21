
local key = P .. 'push:' .. ARGV[2]
local endpoints = redis.call('HKEYS', key)
for _, endpoint in ipairs(endpoints) do
  if redis.call('HGET', P .. 'push-owner', endpoint) == ARGV[2] then
    redis.call('HDEL', P .. 'push-owner', endpoint)
  end
end
redis.call('DEL', key)
if redis.call('SREM', P .. 'push-accounts', ARGV[2]) == 1 then
  redis.call('INCR', P .. 'push-version')
end
return #endpoints
