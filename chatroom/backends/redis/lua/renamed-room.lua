
-- A rename with rooms apart over (finished or rolled back): its journal
-- dropped. Operands: room (r). Answers OK.
local RENAMES = P .. 'room-renames'
local journal = redis.call('HGET', RENAMES, args.room)
if journal then
  redis.call('HDEL', P .. 'room-renames-into', cjson.decode(journal).new)
  redis.call('HDEL', RENAMES, args.room)
end
return 'OK'
