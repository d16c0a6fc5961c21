
return redis.call('GET', P .. 'sign-in:' .. args.token) or ''
