
redis.call('SET', P .. 'search', '1')
local key = P .. 'search:outbox'
redis.call('XTRIM', key, 'MINID', args.after)
return redis.call('XRANGE', key, '(' .. args.after, '+', 'COUNT', args.count)
