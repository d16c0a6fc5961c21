return redis.call('HGETALL', P .. 'settings:' .. ARGV[2])
