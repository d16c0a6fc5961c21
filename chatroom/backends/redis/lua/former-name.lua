local pending = redis.call('HGET', P .. 'room-renames', ARGV[2])
if pending then return {'PENDING', pending} end
local leads = former_name(ARGV[2], tonumber(ARGV[3]))
if not leads then return '' end
return leads[3]
