
return redis.call('LRANGE', P .. 'whowas:' .. ARGV[2], 0, tonumber(ARGV[3]) - 1)
