
return redis.call('HDEL', P .. 'hooks', args.secret)
