
if not holds(ARGV[2], ARGV[3]) then return 0 end
redis.call('HSET', P .. 'presence:' .. ARGV[2], 'user', ARGV[4], 'real', ARGV[5],
           'away', ARGV[6], 'bot', ARGV[7], 'inv', ARGV[8], 'since', ARGV[9],
           'meta', ARGV[10])
return 1
