
local key = P .. 'export:' .. ARGV[2]
local kept = redis.call('GET', key)
redis.call('DEL', key)
return kept
