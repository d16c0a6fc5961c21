
local fields = redis.call('HMGET', P .. 'file:' .. args.file_id,
                          'account', 'name', 'type', 'size', 'at')
if not fields[1] then return {} end
return fields
