
local r = args.room
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
emit(r, args.event)
return 'OK'
