
if ARGV[5] == '1' and redis.call('HEXISTS', ACCOUNTS, ARGV[3]) == 0 then return 0 end
redis.call('SET', P .. 'upload-token:' .. ARGV[2], ARGV[3], 'EX', ARGV[4])
local listed = P .. 'upload-tokens:' .. ARGV[3]
redis.call('SADD', listed, ARGV[2])
redis.call('EXPIRE', listed, ARGV[4])
return 1
