
local limit = tonumber(args.limit)
if limit > 0 then
  local claims = P .. 'devclaims:' .. args.account
  local now = tonumber(redis.call('TIME')[1])
  redis.call('ZREMRANGEBYSCORE', claims, '-inf', now)
  local count = redis.call('ZCARD', claims)
  local fields = redis.call('HGETALL', P .. 'devices:' .. args.account)
  for i = 1, #fields, 2 do
    if holds(args.account, fields[i]) then
      local _, commas = string.gsub(fields[i + 1], ',', ',')
      count = count + commas + 1
    end
  end
  if count >= limit then return 0 end
  local number = redis.call('INCR', P .. 'devnum:' .. args.account)
  redis.call('ZADD', claims, now + tonumber(args.seconds), number)
  redis.call('EXPIRE', claims, args.seconds)
  return number
end
return redis.call('INCR', P .. 'devnum:' .. args.account)
