
local version = redis.call('GET', P .. 'push-version')
if not version then
  local accounts = redis.call('HVALS', P .. 'push-owner')
  for _, account in ipairs(accounts) do
    redis.call('SADD', P .. 'push-accounts', account)
  end
  version = tostring(redis.call('INCR', P .. 'push-version'))
end
if version == args.version then return {version} end
local found = redis.call('SMEMBERS', P .. 'push-accounts')
table.insert(found, 1, version)
return found
