
local found = {}
local keys = redis.call('ZREVRANGE', P .. 'convs:' .. args.account, 0, args.count - 1)
for _, c in ipairs(keys) do
  found[#found + 1] = {c, redis.call('LINDEX', P .. 'talk:' .. c, -1) or ''}
end
return found
