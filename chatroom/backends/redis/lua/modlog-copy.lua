
-- ARGV: P, r, most entries kept, then the entries' lines, each added to
-- room r's log unless it holds that very line already (copied before:
-- a report's entries kept in the server's slot may be copied by more
-- than one node). Nothing for a room that is gone.
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'OK' end
local key = modlog_key(r)
for i = 4, #ARGV do
  if not redis.call('LPOS', key, ARGV[i]) then redis.call('RPUSH', key, ARGV[i]) end
end
redis.call('LTRIM', key, -tonumber(ARGV[3]), -1)
return 'OK'
