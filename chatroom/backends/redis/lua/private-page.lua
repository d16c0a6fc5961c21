
local key = P .. 'talk:' .. args.conversation
local last = tonumber(redis.call('HGET', P .. 'pids', args.conversation) or '0')
local first = last - redis.call('LLEN', key) + 1
local upto = last
if args.before ~= '' then upto = math.min(last, tonumber(args.before) - 1) end
local from = math.max(first, upto - tonumber(args.count) + 1)
if upto < from then return {} end
return redis.call('LRANGE', key, from - first, upto - first)
