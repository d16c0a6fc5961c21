
local found = {}
for i = 2, #ARGV do
  local kept = redis.call('HGETALL', P .. 'push:' .. ARGV[i])
  if #kept > 0 then
    table.insert(found, ARGV[i])
    table.insert(found, kept)
  end
end
return found
