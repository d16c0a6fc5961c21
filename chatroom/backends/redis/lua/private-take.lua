
local key = P .. 'waiting:' .. ARGV[2]
local kept = redis.call('LRANGE', key, 0, -1)
redis.call('DEL', key)
return kept
