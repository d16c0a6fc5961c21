
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
emit(r, ARGV[3])
return 'OK'
