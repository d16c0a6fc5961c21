
local key = P .. 'file:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
local usage = P .. 'file-usage:' .. ARGV[3]
if ARGV[8] ~= '' then
  local used = tonumber(redis.call('GET', usage) or '0')
  if used > tonumber(ARGV[8]) then return {'quota', used} end
end
redis.call('HSET', key, 'account', ARGV[3], 'name', ARGV[4], 'type', ARGV[5],
           'size', ARGV[6], 'at', ARGV[7])
redis.call('INCRBY', usage, ARGV[6])
return 1
