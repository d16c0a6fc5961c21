
local age = redis.call('ZSCORE', GBANS, args.old)
if not age then return 0 end
redis.call('ZADD', GBANS, 'NX', age, args.new)
redis.call('ZREM', GBANS, args.old)
local terms = redis.call('HGET', GBAN_TERMS, args.old)
if terms then
  redis.call('HSETNX', GBAN_TERMS, args.new, terms)
  redis.call('HDEL', GBAN_TERMS, args.old)
end
return 1
