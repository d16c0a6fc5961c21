
local key = P .. 'waiting:' .. args.account
local kept = redis.call('LRANGE', key, 0, -1)
redis.call('DEL', key)
return kept
