
local age = redis.call('ZSCORE', GBANS, ARGV[2])
if not age then return 0 end
redis.call('ZADD', GBANS, 'NX', age, ARGV[3])
redis.call('ZREM', GBANS, ARGV[2])
local terms = redis.call('HGET', GBAN_TERMS, ARGV[2])
if terms then
  redis.call('HSETNX', GBAN_TERMS, ARGV[3], terms)
  redis.call('HDEL', GBAN_TERMS, ARGV[2])
end
return 1
