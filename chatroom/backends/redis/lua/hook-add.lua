
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
return {'OK', redis.call('HSETNX', hooks_key(r), ARGV[3], ARGV[4])}
