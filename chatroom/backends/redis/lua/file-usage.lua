
return tonumber(redis.call('GET', P .. 'file-usage:' .. args.account) or '0')
