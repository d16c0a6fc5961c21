
for at = 5, #ARGV do
  if redis.call('HEXISTS', ACCOUNTS, ARGV[at]) == 0 then return 4 - at end
end
local id = redis.call('HINCRBY', P .. 'pids', ARGV[2], 1)
local key = P .. 'talk:' .. ARGV[2]
local data = numbered(ARGV[3], id)
redis.call('RPUSH', key, data)
redis.call('LTRIM', key, -tonumber(ARGV[4]), -1)
local order = redis.call('INCR', P .. 'convs-order')
for at = 5, #ARGV do redis.call('ZADD', P .. 'convs:' .. ARGV[at], order, ARGV[2]) end
feed_private(ARGV[2], data)
return id
