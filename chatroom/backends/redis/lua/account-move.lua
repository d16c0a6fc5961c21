
local record = redis.call('HGET', ACCOUNTS, ARGV[2])
if not record or redis.call('HSETNX', ACCOUNTS, ARGV[3], record) == 0 then
  return 0
end
redis.call('HDEL', ACCOUNTS, ARGV[2])
return 1
