
redis.call('SET', P .. 'vapid-key', ARGV[2], 'NX')
return redis.call('GET', P .. 'vapid-key')
