
local found = {}
for _, conversation in ipairs(redis.call('HKEYS', P .. 'pids')) do
  local one, two = string.match(conversation, '^(%S+) (%S+)$')
  if one == args.account or two == args.account then
    local newest = redis.call('LINDEX', P .. 'talk:' .. conversation, -1)
    if newest then found[#found + 1] = newest end
  end
end
return found
