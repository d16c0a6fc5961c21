
return redis.call('HGET', P .. 'invitations', args.code)
