
if ARGV[5] ~= '' and redis.call('HEXISTS', ACCOUNTS, ARGV[5]) == 0 then return 0 end
local id = redis.call('HINCRBY', P .. 'pids', ARGV[2], 1)
local key = P .. 'talk:' .. ARGV[2]
local data = numbered(ARGV[3], id)
redis.call('RPUSH', key, data)
redis.call('LTRIM', key, -tonumber(ARGV[4]), -1)
feed_private(ARGV[2], data)
return id
