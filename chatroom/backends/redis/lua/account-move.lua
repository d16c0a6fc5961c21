local record = redis.call('HGET', ACCOUNTS, ARGV[2])
if not record or redis.call('HSETNX', ACCOUNTS, ARGV[3], record) == 0 then
  return 0
end
redis.call('HDEL', ACCOUNTS, ARGV[2])
for _, kept in ipairs({P .. 'mailboxes', P .. 'app-passwords'}) do
  local value = redis.call('HGET', kept, ARGV[2])
  if value then
    redis.call('HSET', kept, ARGV[3], value)
    redis.call('HDEL', kept, ARGV[2])
  end
end
local OIDC_OF = P .. 'oidc-of'
local bound = redis.call('HGET', OIDC_OF, ARGV[2])
if bound then
  redis.call('HSET', OIDC_OF, ARGV[3], bound)
  redis.call('HDEL', OIDC_OF, ARGV[2])
  redis.call('HSET', P .. 'oidc', bound, ARGV[3])
end
return 1
