
-- A node stopping hands its members with no connection to the others: its
-- StandHere (`order`) to every node but itself (`node`), which stand them
-- too. Answers how many nodes were told.
local told = 0
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if node ~= args.node then
    redis.call(PUB, P .. 'node:' .. node, '* ' .. args.order)
    told = told + 1
  end
end
return told
