local node = ARGV[2]
if redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  return {0, 0}  -- it beat meanwhile
end
local key = P .. 'stalled:' .. node
local since = redis.call('GET', key)
if since then return {1, since} end
redis.call('SET', key, ARGV[3], 'PX', ARGV[4])
return {2, ARGV[3]}
