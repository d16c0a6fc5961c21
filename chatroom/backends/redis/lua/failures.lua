-- ARGV: P, now-ms, the keys kept at most, n, then n premises (key, free,
-- m, then m waits in ms), then operations: 'count' key forget-ms,
-- 'uncount' key, 'clear' key. P guesses indexes every count by when it is
-- forgotten: those forgotten are dropped as a count comes, and past the
-- keys kept, those nearest their forgetting.
local now, most = tonumber(ARGV[2]), tonumber(ARGV[3])
local index = P .. 'guesses'
local at = 5
for premise = 1, tonumber(ARGV[4]) do
  local kept = redis.call('HMGET', P .. 'guesses:' .. ARGV[at], 'n', 'last')
  local free, m = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local n = tonumber(kept[1]) or 0
  if n >= free then
    local wait = tonumber(ARGV[at + 2 + math.min(n - free + 1, m)])
    local left = tonumber(kept[2]) + wait - now
    if left > 0 then return {premise, left} end
  end
  at = at + 3 + m
end
local function drop(names)
  for _, name in ipairs(names) do
    redis.call('DEL', P .. 'guesses:' .. name)
  end
  if #names > 0 then redis.call('ZREM', index, unpack(names)) end
end
while at <= #ARGV do
  local op, name = ARGV[at], ARGV[at + 1]
  local key = P .. 'guesses:' .. name
  if op == 'count' then
    drop(redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 100))
    if not redis.call('ZSCORE', index, name) then
      local over = redis.call('ZCARD', index) - most + 1
      if over > 0 then drop(redis.call('ZRANGE', index, 0, over - 1)) end
    end
    redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'last', now)
    redis.call('PEXPIRE', key, ARGV[at + 2])
    redis.call('ZADD', index, now + tonumber(ARGV[at + 2]), name)
    at = at + 3
  else
    if op == 'clear' or redis.call('HINCRBY', key, 'n', -1) <= 0 then
      redis.call('DEL', key)
      redis.call('ZREM', index, name)
    end
    at = at + 2
  end
end
return {0, 0}
