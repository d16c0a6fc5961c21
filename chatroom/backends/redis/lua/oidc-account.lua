
local key = redis.call('HGET', P .. 'oidc', ARGV[2])
if key and redis.call('HGET', P .. 'oidc-of', key) == ARGV[2] then return key end
return false
