
return redis.call('HGET', P .. 'account-ages', ARGV[2])
