
if not holds(ARGV[2], ARGV[3]) then return 0 end
redis.call('HSET', P .. 'presence:' .. ARGV[2], 'meta', ARGV[4])
return 1
