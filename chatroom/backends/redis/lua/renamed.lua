
if redis.call('HGET', P .. 'renaming', args.user) ~= args.formers then return 0 end
return redis.call('HDEL', P .. 'renaming', args.user)
