
redis.call('SET', P .. 'vapid-key', args.made, 'NX')
return redis.call('GET', P .. 'vapid-key')
