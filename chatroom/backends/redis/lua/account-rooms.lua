
local names = {}
local key = P .. 'account-rooms:' .. ARGV[2]
local order = P .. 'account-rooms-order:' .. ARGV[2]
for _, room in ipairs(redis.call('ZRANGE', order, 0, -1)) do
  local name = redis.call('HGET', key, room)
  if name then names[#names + 1] = name end
end
return names
