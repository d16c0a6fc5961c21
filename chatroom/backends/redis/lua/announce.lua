
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call(PUB, P .. 'node:' .. node, '* ' .. ARGV[2])
end
return 'OK'
