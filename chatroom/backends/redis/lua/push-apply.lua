
-- An account's push subscriptions' change: its premises checked first
-- ({'CHANGED', the failed one's place, the account's subscriptions as they
-- are: its hash flattened, as HGETALL}, nothing written), then its
-- operations in order: a subscription leaving the account that kept its
-- endpoint for this one (MoveEndpoint, the core's decision), a
-- subscription kept (AddSubscription: its keys, `keys`, one for each
-- operation, as the account's hash keeps them), one forgotten
-- (RemoveSubscription), or every one (DropSubscriptions). `P
-- push-accounts` follows who keeps any, `P push-version` counts its
-- changes. {'OK'} once applied.
local c = args.change
local account = c.subject.account
local key, owners = P .. 'push:' .. account, P .. 'push-owner'
local failed = unmet(c)
if failed then return {'CHANGED', failed, redis.call('HGETALL', key)} end
local changed = 0
local function forgotten(holder, endpoint)
  local kept = P .. 'push:' .. holder
  if redis.call('HDEL', kept, endpoint) == 1 and redis.call('EXISTS', kept) == 0 then
    changed = changed + redis.call('SREM', P .. 'push-accounts', holder)
  end
end
for i, op in ipairs(c.ops) do
  if op.kind == 'MoveEndpoint' then
    forgotten(op.from_account, op.endpoint)
    redis.call('HSET', owners, op.endpoint, op.to_account)
  elseif op.kind == 'AddSubscription' then
    local endpoint = op.subscription.endpoint
    redis.call('HSET', owners, endpoint, account)
    redis.call('HSET', key, endpoint, args.keys[i])
    changed = changed + redis.call('SADD', P .. 'push-accounts', account)
  elseif op.kind == 'RemoveSubscription' then
    if redis.call('HGET', owners, op.endpoint) == account then
      redis.call('HDEL', owners, op.endpoint)
    end
    forgotten(account, op.endpoint)
  elseif op.kind == 'DropSubscriptions' then
    for _, endpoint in ipairs(redis.call('HKEYS', key)) do
      if redis.call('HGET', owners, endpoint) == account then
        redis.call('HDEL', owners, endpoint)
      end
    end
    redis.call('DEL', key)
    changed = changed + redis.call('SREM', P .. 'push-accounts', account)
  end
end
if changed > 0 then redis.call('INCR', P .. 'push-version') end
return {'OK'}
