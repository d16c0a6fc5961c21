
local names = {}
local key = P .. 'account-rooms:' .. args.account
local order = P .. 'account-rooms-order:' .. args.account
for _, room in ipairs(redis.call('ZRANGE', order, 0, -1)) do
  local name = redis.call('HGET', key, room)
  if name then names[#names + 1] = name end
end
return names
