local node = args.node
redis.call('DEL', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
-- No other node is alive: the cluster comes back (every node stopped or
-- lost). A room whose wait ran out while none ran waits --grace from now,
-- as a single server's rooms restored at its start do: the heartbeat finds
-- it due only then (P back: when the cluster came back, ms).
for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if other ~= node and redis.call('EXISTS', P .. 'alive:' .. other) == 1 then
    return 1
  end
end
redis.call('SET', P .. 'back', args.now)
return 1
