
-- An account's remembered rooms' change, in order: a room remembered
-- (RememberRoom: kept after the rooms it entered before, unless it is
-- already; a hash keeps its name, P account-rooms-order:<a> the order, a
-- sorted set by entry) or forgotten (ForgetRoom); `keys`, each room's key,
-- one for each operation. An account's own keys are kept while it is
-- registered: a write decided for it before its deletion (by a device
-- whose node had not yet heard of its end) and come after the erasure
-- keeps nothing.
local c = args.change
local a = c.subject.account
if redis.call('HEXISTS', ACCOUNTS, a) == 0 then return 1 end
local key = P .. 'account-rooms:' .. a
local order = P .. 'account-rooms-order:' .. a
for i, op in ipairs(c.ops) do
  local r = args.keys[i]
  if op.kind == 'RememberRoom' then
    if redis.call('HSETNX', key, r, op.name) == 1 then
      local entered = redis.call('INCR', P .. 'account-rooms-seq')
      redis.call('ZADD', order, entered, r)
    end
  elseif op.kind == 'ForgetRoom' then
    redis.call('ZREM', order, r)
    redis.call('HDEL', key, r)
  end
end
return 1
