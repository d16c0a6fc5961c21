
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
if ARGV[8] == '1' then
  if redis.call('HEXISTS', rk, mine) == 1 then return {'OK', 'same'} end
  if redis.call('HEXISTS', rk, given) == 0 then
    if tonumber(redis.call('HGET', rk, count) or '0') >= tonumber(ARGV[9]) then
      return {'OK', 'full'}
    end
    redis.call('HINCRBY', rk, count, 1)
  end
  redis.call('HINCRBY', rk, given, 1)
  redis.call('HSET', rk, mine, 1)
else
  if redis.call('HDEL', rk, mine) == 0 then return {'OK', 'same'} end
  if redis.call('HINCRBY', rk, given, -1) <= 0 then
    redis.call('HDEL', rk, given)
    if redis.call('HINCRBY', rk, count, -1) <= 0 then redis.call('HDEL', rk, count) end
  end
end
local data = numbered(ARGV[10], next_id(r))
emit(r, data)
redis.call('RPUSH', hk, data)
redis.call('LTRIM', hk, -tonumber(ARGV[11]), -1)
if redis.call('HINCRBY', rk, '#changes', 1) % tonumber(ARGV[12]) == 0 then
  first = kept_ids(r)
  for _, field in ipairs(redis.call('HKEYS', rk)) do
    local of = tonumber(string.match(field, '^%d+'))
    if of and of < first then redis.call('HDEL', rk, field) end
  end
end
return {'OK', 'changed'}
