
local key = P .. 'file:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'account', ARGV[3], 'name', ARGV[4], 'type', ARGV[5],
           'size', ARGV[6], 'at', ARGV[7])
redis.call('INCRBY', P .. 'file-usage:' .. ARGV[3], ARGV[6])
return 1
