
local r = ARGV[2]
local first, last = kept_ids(r)
local inc = redis.call('HGET', room_key(r), 'inc')
if not inc then return {'', first, last, last + 1, {}} end
local after = tonumber(ARGV[4])
if inc ~= ARGV[3] or after > last then after = first - 1 end
local start = math.max(first, after + 1)
return {inc, first, last, start,
        events(r, start, math.min(last, start + tonumber(ARGV[5]) - 1))}
