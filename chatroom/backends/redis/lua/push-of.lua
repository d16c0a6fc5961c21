
local found = {}
for _, account in ipairs(args.accounts) do
  local kept = redis.call('HGETALL', P .. 'push:' .. account)
  if #kept > 0 then
    table.insert(found, account)
    table.insert(found, kept)
  end
end
return found
