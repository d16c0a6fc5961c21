
local k = P .. 'whowas:' .. ARGV[2]
redis.call('LPUSH', k, ARGV[3])
redis.call('LTRIM', k, 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', k, ARGV[5])
return 1
