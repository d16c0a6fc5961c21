
local key = P .. 'file:' .. ARGV[2]
local fields = redis.call('HMGET', key, 'account', 'name', 'type', 'size', 'at')
if not fields[1] then return {} end
redis.call('DEL', key)
local usage = P .. 'file-usage:' .. fields[1]
if redis.call('DECRBY', usage, fields[4]) <= 0 then redis.call('DEL', usage) end
return fields
