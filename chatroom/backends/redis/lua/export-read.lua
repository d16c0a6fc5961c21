return redis.call('GET', P .. 'export:' .. ARGV[2])
