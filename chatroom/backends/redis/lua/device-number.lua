
local limit = tonumber(ARGV[3])
if limit > 0 then
  local claims = P .. 'devclaims:' .. ARGV[2]
  local now = tonumber(redis.call('TIME')[1])
  redis.call('ZREMRANGEBYSCORE', claims, '-inf', now)
  local count = redis.call('ZCARD', claims)
  local fields = redis.call('HGETALL', P .. 'devices:' .. ARGV[2])
  for i = 1, #fields, 2 do
    if holds(ARGV[2], fields[i]) then
      local _, commas = string.gsub(fields[i + 1], ',', ',')
      count = count + commas + 1
    end
  end
  if count >= limit then return 0 end
  local number = redis.call('INCR', P .. 'devnum:' .. ARGV[2])
  redis.call('ZADD', claims, now + tonumber(ARGV[4]), number)
  redis.call('EXPIRE', claims, ARGV[4])
  return number
end
return redis.call('INCR', P .. 'devnum:' .. ARGV[2])
