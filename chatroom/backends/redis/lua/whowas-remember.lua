
local k = P .. 'whowas:' .. args.name
redis.call('LPUSH', k, args.entry)
redis.call('LTRIM', k, 0, args.cap - 1)
redis.call('EXPIRE', k, args.seconds)
return 1
