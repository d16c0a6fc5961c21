
local fields = redis.call('HMGET', P .. 'file:' .. ARGV[2],
                          'account', 'name', 'type', 'size', 'at')
if not fields[1] then return {} end
return fields
