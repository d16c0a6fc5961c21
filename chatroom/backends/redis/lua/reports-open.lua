
-- The open reports as the core encoded them, oldest first.
local numbers = redis.call('ZRANGE', P .. 'reports:open', 0, -1)
if #numbers == 0 then return {} end
return redis.call('HMGET', P .. 'reports', unpack(numbers))
