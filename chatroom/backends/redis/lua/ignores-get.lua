
return redis.call('SMEMBERS', P .. 'ignores:' .. args.account)
