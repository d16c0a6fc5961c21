
return redis.call('HGET', P .. 'hooks', args.secret)
