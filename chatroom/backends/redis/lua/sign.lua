
local u = ARGV[2]
if not holds(u, ARGV[3]) then return {'GONE'} end
if ARGV[4] ~= '' then
  redis.call('HSET', SIGNED, u, ARGV[4])
else
  redis.call('HDEL', SIGNED, u)
end
return {'OK', places_of(u), member_record(u)}
