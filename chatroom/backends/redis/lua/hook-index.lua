
return redis.call('HSET', P .. 'hooks', args.secret, args.hook)
