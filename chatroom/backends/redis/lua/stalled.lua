local node = args.node
if redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  return {0, 0}  -- it beat meanwhile
end
local key = P .. 'stalled:' .. node
local since = redis.call('GET', key)
if since then return {1, since} end
redis.call('SET', key, args.now, 'PX', args.keep)
return {2, args.now}
