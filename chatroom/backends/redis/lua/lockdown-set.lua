
-- ARGV: the level as the core encoded it, the order every node hears
-- (its copy of the level), in the same step as it is kept, then the most
-- entries the server's moderation log keeps and the entries the change
-- records there.
redis.call('SET', P .. 'lockdown', ARGV[2])
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call(PUB, P .. 'node:' .. node, '* ' .. ARGV[3])
end
record_entries('*', ARGV[4], ARGV[5])
return 1
