local key = P .. 'settings:' .. ARGV[2]
for i = 3, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
return 'OK'
