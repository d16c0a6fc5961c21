
local r = args.room
local first, last = kept_ids(r)
local inc = redis.call('HGET', room_key(r), 'inc')
if not inc then return {'', first, last, last + 1, {}} end
local after = tonumber(args.after)
if inc ~= args.incarnation or after > last then after = first - 1 end
local start = math.max(first, after + 1)
return {inc, first, last, start,
        events(r, start, math.min(last, start + tonumber(args.count) - 1))}
