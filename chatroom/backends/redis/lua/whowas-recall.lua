
return redis.call('LRANGE', P .. 'whowas:' .. args.name, 0, tonumber(args.count) - 1)
