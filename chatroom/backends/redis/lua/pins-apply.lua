
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
if not unchanged(r, ARGV[3], ARGV[4]) then return 'CHANGED' end
if ARGV[7] == '1' then
  redis.call('HSET', pins_key(r), ARGV[5], ARGV[6])
else
  redis.call('HDEL', pins_key(r), ARGV[5])
end
emit(r, ARGV[8])
record_entries(r, ARGV[9], ARGV[10])
return 'OK'
