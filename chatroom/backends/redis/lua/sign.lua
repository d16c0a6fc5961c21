
local u = args.user
if not holds(u, args.token) then return {'GONE'} end
if args.account ~= '' then
  redis.call('HSET', SIGNED, u, args.account)
else
  redis.call('HDEL', SIGNED, u)
end
return {'OK', places_of(u), member_record(u)}
