
local key = P .. 'devices:' .. args.account
if args.devices == '' or not holds(args.account, args.token) then
  redis.call('HDEL', key, args.token)
else
  redis.call('HSET', key, args.token, args.devices)
end
local claims = P .. 'devclaims:' .. args.account
for number in string.gmatch(args.devices, '(%d+) [^,]*') do
  redis.call('ZREM', claims, number)  -- counted in the hash from now on
end
return 'OK'
