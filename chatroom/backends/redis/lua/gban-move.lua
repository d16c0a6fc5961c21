
local age = redis.call('ZSCORE', GBANS, ARGV[2])
if not age then return 0 end
redis.call('ZADD', GBANS, 'NX', age, ARGV[3])
redis.call('ZREM', GBANS, ARGV[2])
return 1
