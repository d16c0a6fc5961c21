
redis.call('SET', P .. 'search', '1')
local key = P .. 'search:outbox'
redis.call('XTRIM', key, 'MINID', ARGV[2])
return redis.call('XRANGE', key, '(' .. ARGV[2], '+', 'COUNT', ARGV[3])
