
local node = args.node
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', args.ttl)
local stalled = redis.call('DEL', P .. 'stalled:' .. node)  -- over, once it beats
if redis.call('EXISTS', P .. 'ended:' .. node) == 1 then
  redis.call('RENAME', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
else
  redis.call('DEL', P .. 'ended-old:' .. node)
end
local fresh = redis.call('SADD', P .. 'nodes', node)
local now = tonumber(args.now)
local expired = {}
for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if other ~= node and redis.call('EXISTS', P .. 'alive:' .. other) == 0 then
    expired[#expired + 1] = other
  end
end
if redis.call('EXISTS', P .. 'keeping-indexed') == 0 then
  for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
    local waits = redis.call('HGET', room_key(r), 'keep_until')
    if waits then redis.call('ZADD', P .. 'keeping', waits, r) end
  end
  redis.call('SET', P .. 'keeping-indexed', '1')
end
if redis.call('EXISTS', P .. 'sessions-indexed') == 0 then
  local cursor = redis.call('GET', P .. 'sessions-indexing') or '0'
  local scanned = redis.call('HSCAN', USERS, cursor, 'COUNT', args.chunk)
  local found = scanned[2]
  for i = 1, #found, 2 do
    local u, v = found[i], found[i + 1]
    session_indexed(u, string.sub(v, 1, string.find(v, ' ', 1, true) - 1))
    for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
      session_indexed(u, token)
    end
  end
  if scanned[1] == '0' then
    redis.call('SET', P .. 'sessions-indexed', '1')
    redis.call('DEL', P .. 'sessions-indexing')
  else
    redis.call('SET', P .. 'sessions-indexing', scanned[1])
  end
end
-- Rooms whose wait ran out before the cluster came back (resume-end) are
-- due --grace after it, not at once: their members had no node to return to.
local since = '-inf'
local back = tonumber(redis.call('GET', P .. 'back') or '')
if back and now < back + args.grace then
  since = '(' .. back
elseif back then
  redis.call('DEL', P .. 'back')
end
local due = redis.call('ZRANGEBYSCORE', P .. 'keeping', since, now)
return {fresh, expired, due, stalled}
