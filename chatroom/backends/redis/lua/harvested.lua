
local node = args.node
if args.own then redis.call('DEL', P .. 'alive:' .. node) end  -- it left
if redis.call('EXISTS', sessions_key(node)) == 1
    or redis.call('EXISTS', P .. 'sessions-indexed') == 0 then
  return 0  -- sessions left (or not indexed yet): a next harvest ends them
end
redis.call('SREM', P .. 'nodes', node)
redis.call('DEL', P .. 'alive:' .. node, P .. 'harvesting:' .. node,
           P .. 'stalled:' .. node)
redis.call('HDEL', P .. 'census', node)  -- its connections count no more
forget_streams(node)  -- its bots' event streams end with it
return 1
