local record = redis.call('HGET', ACCOUNTS, args.old)
if not record or redis.call('HSETNX', ACCOUNTS, args.new, record) == 0 then
  return 0
end
redis.call('HDEL', ACCOUNTS, args.old)
for _, kept in ipairs({P .. 'mailboxes', P .. 'app-passwords', P .. 'bots'}) do
  local value = redis.call('HGET', kept, args.old)
  if value then
    redis.call('HSET', kept, args.new, value)
    redis.call('HDEL', kept, args.old)
  end
end
local OIDC_OF = P .. 'oidc-of'
local bound = redis.call('HGET', OIDC_OF, args.old)
if bound then
  redis.call('HSET', OIDC_OF, args.new, bound)
  redis.call('HDEL', OIDC_OF, args.old)
  redis.call('HSET', P .. 'oidc', bound, args.new)
end
return 1
