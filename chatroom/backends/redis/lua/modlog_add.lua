
-- A moderation log's change: its entries added (`keep`: the most it
-- keeps); nothing for a room's log whose room is gone (deleted meanwhile:
-- its log went with it). The log '*' is the server's, of no room.
local c = args.change
local log = c.subject.log
if log ~= '*' and redis.call('EXISTS', room_key(log)) == 0 then return 'OK' end
recorded(c, log, args.keep)
return 'OK'
