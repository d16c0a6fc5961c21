
-- The server's lockdown's change: the level kept as the core encoded it
-- (`kept`), every node told (`order`, its copy of the level), in the same
-- step, and the entries it records in the server's moderation log
-- (`keep`: the most it keeps).
local c = args.change
redis.call('SET', P .. 'lockdown', args.kept)
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call(PUB, P .. 'node:' .. node, '* ' .. args.order)
end
recorded(c, '*', args.keep)
return 1
