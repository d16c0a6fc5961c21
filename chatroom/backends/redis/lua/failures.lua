-- ARGV: P, n, then n premises (key, free, m, then m waits in ms), then
-- operations: 'count' key forget-ms, 'uncount' key, 'clear' key.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local at = 3
for premise = 1, tonumber(ARGV[2]) do
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
while at <= #ARGV do
  local op, key = ARGV[at], P .. 'guesses:' .. ARGV[at + 1]
  if op == 'count' then
    redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'last', now)
    redis.call('PEXPIRE', key, ARGV[at + 2])
    at = at + 3
  else
    if op == 'clear' or redis.call('HINCRBY', key, 'n', -1) <= 0 then
      redis.call('DEL', key)
    end
    at = at + 2
  end
end
return {0, 0}
