
return redis.call('HGET', P .. 'account-ages', args.account)
