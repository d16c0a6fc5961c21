return redis.call('GET', P .. 'export:' .. args.token)
