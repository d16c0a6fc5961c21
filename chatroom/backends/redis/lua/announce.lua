
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  redis.call(PUB, P .. 'node:' .. node, '* ' .. args.event)
end
return 'OK'
