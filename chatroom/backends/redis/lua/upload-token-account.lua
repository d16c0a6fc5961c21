
return redis.call('GET', P .. 'upload-token:' .. args.token) or ''
