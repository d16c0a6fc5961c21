
return redis.call('SMEMBERS', P .. 'ignores:' .. ARGV[2])
