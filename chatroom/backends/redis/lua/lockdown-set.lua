
-- ARGV: the level as the core encoded it, then the order every node hears
-- (its copy of the level), in the same step as it is kept.
redis.call('SET', P .. 'lockdown', ARGV[2])
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call(PUB, P .. 'node:' .. node, '* ' .. ARGV[3])
end
return 1
