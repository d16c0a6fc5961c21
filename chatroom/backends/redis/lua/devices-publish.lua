
local key = P .. 'devices:' .. ARGV[2]
if ARGV[4] == '' or not holds(ARGV[2], ARGV[3]) then
  redis.call('HDEL', key, ARGV[3])
else
  redis.call('HSET', key, ARGV[3], ARGV[4])
end
local claims = P .. 'devclaims:' .. ARGV[2]
for number in string.gmatch(ARGV[4], '(%d+) [^,]*') do
  redis.call('ZREM', claims, number)  -- counted in the hash from now on
end
return 'OK'
