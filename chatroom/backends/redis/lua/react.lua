
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
local first, last = kept_ids(r)
local target = tonumber(ARGV[5])
local hk = history_key(r)
if target < first or target > last then return 'CHANGED' end
if redis.call('LINDEX', hk, target - first) ~= ARGV[6] then return 'CHANGED' end
local rk, count = reactions_key(r), ARGV[5]
local given = count .. ' ' .. ARGV[7]
local mine = given .. ' ' .. u
if (redis.call('HEXISTS', rk, mine) == 1) ~= (ARGV[9] == '1') then return 'CHANGED' end
if ARGV[10] ~= '' and redis.call('HEXISTS', rk, given) == 0
    and tonumber(redis.call('HGET', rk, count) or '0') >= tonumber(ARGV[10]) then
  return 'CHANGED'
end
if ARGV[8] == '1' then
  if redis.call('HEXISTS', rk, given) == 0 then redis.call('HINCRBY', rk, count, 1) end
  redis.call('HINCRBY', rk, given, 1)
  redis.call('HSET', rk, mine, 1)
else
  redis.call('HDEL', rk, mine)
  if redis.call('HINCRBY', rk, given, -1) <= 0 then
    redis.call('HDEL', rk, given)
    if redis.call('HINCRBY', rk, count, -1) <= 0 then redis.call('HDEL', rk, count) end
  end
end
local data = numbered(ARGV[11], next_id(r))
emit(r, data)
redis.call('RPUSH', hk, data)
redis.call('LTRIM', hk, -tonumber(ARGV[12]), -1)
if redis.call('HINCRBY', rk, '#changes', 1) % tonumber(ARGV[13]) == 0 then
  first = kept_ids(r)
  for _, field in ipairs(redis.call('HKEYS', rk)) do
    local of = tonumber(string.match(field, '^%d+'))
    if of and of < first then redis.call('HDEL', rk, field) end
  end
end
return 'OK'
