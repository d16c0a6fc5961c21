
local r = ARGV[2]
-- '*' is the server's own log, of no room.
if r ~= '*' and redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
for i = 4, #ARGV do redis.call('RPUSH', modlog_key(r), ARGV[i]) end
redis.call('LTRIM', modlog_key(r), -tonumber(ARGV[3]), -1)
return 'OK'
