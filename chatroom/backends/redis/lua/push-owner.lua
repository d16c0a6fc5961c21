
return redis.call('HGET', P .. 'push-owner', args.endpoint) or ''
