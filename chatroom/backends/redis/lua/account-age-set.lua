
redis.call('HSET', P .. 'account-ages', ARGV[2], ARGV[3])
return 1
