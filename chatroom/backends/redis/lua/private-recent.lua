
local found = {}
local keys = redis.call('ZREVRANGE', P .. 'convs:' .. ARGV[2], 0, tonumber(ARGV[3]) - 1)
for _, c in ipairs(keys) do
  found[#found + 1] = {c, redis.call('LINDEX', P .. 'talk:' .. c, -1) or ''}
end
return found
