
local node = ARGV[2]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
if redis.call('EXISTS', P .. 'ended:' .. node) == 1 then
  redis.call('RENAME', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
else
  redis.call('DEL', P .. 'ended-old:' .. node)
end
local fresh = redis.call('SADD', P .. 'nodes', node)
local now = tonumber(ARGV[4])
local expired = {}
for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if other ~= node and redis.call('EXISTS', P .. 'alive:' .. other) == 0 then
    expired[#expired + 1] = other
  end
end
if redis.call('EXISTS', P .. 'keeping-indexed') == 0 then
  for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
    local waits = redis.call('HGET', room_key(r), 'keep_until')
    if waits then redis.call('ZADD', P .. 'keeping', waits, r) end
  end
  redis.call('SET', P .. 'keeping-indexed', '1')
end
local due = redis.call('ZRANGEBYSCORE', P .. 'keeping', '-inf', now)
return {fresh, expired, due}
