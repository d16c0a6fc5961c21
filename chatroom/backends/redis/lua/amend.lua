
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return refusal end
local first, last = kept_ids(r)
local target = tonumber(ARGV[5])
local hk = history_key(r)
if target < first or target > last then return 'CHANGED' end
if redis.call('LINDEX', hk, target - first) ~= ARGV[6] then return 'CHANGED' end
redis.call('LSET', hk, target - first, ARGV[7])
if ARGV[7] == '' then
  local mark = '"target":"' .. ARGV[5] .. '"'
  for i, entry in ipairs(redis.call('LRANGE', hk, target - first + 1, -1)) do
    if string.find(entry, mark, 1, true) then  -- else it cannot be one
      local event = decoded(entry)
      if event and DEPENDENT[event.type] and event.target == ARGV[5] then
        redis.call('LSET', hk, target - first + i, '')
      end
    end
  end
  forget_reactions(r, ARGV[5])
end
local data = numbered(ARGV[8], next_id(r))
emit(r, data)
redis.call('RPUSH', hk, data)
redis.call('LTRIM', hk, -tonumber(ARGV[9]), -1)
record_entries(r, ARGV[10], ARGV[11])
return 'OK'
