redis.call('HSET', P .. 'hooks', ARGV[2], ARGV[3])
return 1