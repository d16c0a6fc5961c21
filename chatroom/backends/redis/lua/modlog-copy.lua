
-- Entries (`entries`) each added to room `room`'s log unless it holds
-- that very entry already (copied before: a report's entries kept in the
-- server's slot may be copied by more than one node), its newest `keep`
-- kept. Nothing for a room that is gone.
local r = args.room
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
local key = modlog_key(r)
for _, entry in ipairs(args.entries) do
  if not redis.call('LPOS', key, entry) then redis.call('RPUSH', key, entry) end
end
redis.call('LTRIM', key, -tonumber(args.keep), -1)
return 'OK'
