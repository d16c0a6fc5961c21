
-- A rename with rooms apart over (finished or rolled back): its journal
-- dropped. ARGV: 2 r. Answers OK.
local RENAMES = P .. 'room-renames'
local journal = redis.call('HGET', RENAMES, ARGV[2])
if journal then
  redis.call('HDEL', P .. 'room-renames-into', cjson.decode(journal).new)
  redis.call('HDEL', RENAMES, ARGV[2])
end
return 'OK'
