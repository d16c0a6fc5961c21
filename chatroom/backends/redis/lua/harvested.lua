
local node = ARGV[2]
redis.call('SREM', P .. 'nodes', node)
redis.call('DEL', P .. 'alive:' .. node)
redis.call('HDEL', P .. 'census', node)  -- its connections count no more
return 'OK'
