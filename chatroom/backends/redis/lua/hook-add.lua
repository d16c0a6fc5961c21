
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
local hk = hooks_key(r)
if redis.call('HEXISTS', hk, ARGV[3]) == 1 then return 'CHANGED' end
if ARGV[5] ~= '' and redis.call('HLEN', hk) >= tonumber(ARGV[5]) then
  return 'CHANGED'
end
redis.call('HSET', hk, ARGV[3], ARGV[4])
return 'OK'
