
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
return {'OK', said(r, ARGV[3], ARGV[4], ARGV[5])}
