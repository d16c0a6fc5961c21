
-- Failures counted under a back-off (the core's: chatroom.core.infra.throttle):
-- `change`, a CountedFailures' change at its time (the core's clock,
-- seconds), resting on each key's failures as the core read them (its
-- count, its newest's time): else {'CHANGED', the failed premise's place,
-- {key, count, newest's time} of each key of the change}, and nothing
-- counted. Then, in order: one more failure (CountFailure: the key kept
-- its `forget` after it), one given back (UncountFailure), every one
-- forgotten (ClearFailures). P guesses indexes every count by when it is
-- forgotten (ms): those forgotten are dropped as a count comes, and past
-- `most` keys those nearest their forgetting.
local c = args.change
local now = c.subject.at
local index = P .. 'guesses'
local failed = unmet(c)
if failed then
  local facts = {}
  for _, name in ipairs(c.subject.keys) do
    local kept = redis.call('HMGET', P .. 'guesses:' .. name, 'n', 'at')
    facts[#facts + 1] = {name, kept[1] or '0', kept[2] or '0'}
  end
  return {'CHANGED', failed, facts}
end
local function drop(names)
  for _, name in ipairs(names) do
    redis.call('DEL', P .. 'guesses:' .. name)
  end
  if #names > 0 then redis.call('ZREM', index, unpack(names)) end
end
local now_ms = math.floor(now * 1000)
for _, op in ipairs(c.ops) do
  local key = P .. 'guesses:' .. op.key
  if op.kind == 'CountFailure' then
    local forget = math.floor(op.forget * 1000)
    drop(redis.call('ZRANGEBYSCORE', index, '-inf', now_ms, 'LIMIT', 0, 100))
    if not redis.call('ZSCORE', index, op.key) then
      local over = redis.call('ZCARD', index) - args.most + 1
      if over > 0 then drop(redis.call('ZRANGE', index, 0, over - 1)) end
    end
    redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'at', now)
    redis.call('PEXPIRE', key, forget)
    redis.call('ZADD', index, now_ms + forget, op.key)
  elseif op.kind == 'ClearFailures' or redis.call('HINCRBY', key, 'n', -1) <= 0 then
    redis.call('DEL', key)
    redis.call('ZREM', index, op.key)
  end
end
return {'OK'}
