-- Room r's published events after seq `seq`, from its log (those it
-- still keeps): what a node that moved to the room's channel under its
-- new name may have missed while it subscribed.
local r, after = args.room, tonumber(args.seq)
local seq = tonumber(redis.call('HGET', room_key(r), 'seq') or '0')
if after >= seq then return {} end
local oldest = seq - redis.call('LLEN', log_key(r)) + 1
if after + 1 < oldest then after = oldest - 1 end
return redis.call('LRANGE', log_key(r), after + 1 - oldest, -1)
