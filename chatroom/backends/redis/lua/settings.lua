return redis.call('HGETALL', P .. 'settings:' .. args.account)
