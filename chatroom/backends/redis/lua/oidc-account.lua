
local key = redis.call('HGET', P .. 'oidc', args.oidc)
if key and redis.call('HGET', P .. 'oidc-of', key) == args.oidc then return key end
return false
