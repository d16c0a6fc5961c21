return redis.call('HGETALL', P .. 'follows:' .. ARGV[2])
