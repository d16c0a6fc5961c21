
-- Events counted in a sliding window (`k`: its key): the premise checked
-- (fewer than the most in the window: else the milliseconds until the
-- oldest leaves it, on Redis's clock, whose window the premise read),
-- then one more counted, now, for the window (CountEvent), or the newest
-- given back (UncountEvent). 0 once applied. An event counted with its
-- own id (CountEvent's `once`: a Matrix event's) is one member, `=` and
-- the id: counted already and still in the window, it is this one, and
-- nothing is checked nor counted again (0).
local c = args.change
local key = P .. 'window:' .. c.subject.key
for _, op in ipairs(c.ops) do
  if op.kind == 'CountEvent' and op.once ~= nil and op.once ~= '' then
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - op.window * 1000)
    if redis.call('ZSCORE', key, '=' .. op.once) then return 0 end
  end
end
if unmet(c) then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local window = 0
  for _, op in ipairs(c.ops) do
    if op.kind == 'CountEvent' then window = op.window * 1000 end
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2] or now) + window - now)
end
for _, op in ipairs(c.ops) do
  if op.kind == 'CountEvent' then
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    local member = redis.call('INCR', P .. 'window-seq')
    if op.once ~= nil and op.once ~= '' then member = '=' .. op.once end
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.floor(op.window * 1000))
  elseif op.kind == 'UncountEvent' then
    redis.call('ZPOPMAX', key)
  end
end
return 0
