
return redis.call('HGET', P .. 'invitations', ARGV[2])
