
local key = P .. 'talk:' .. ARGV[2]
local last = tonumber(redis.call('HGET', P .. 'pids', ARGV[2]) or '0')
local first = last - redis.call('LLEN', key) + 1
local upto = last
if ARGV[4] ~= '' then upto = math.min(last, tonumber(ARGV[4]) - 1) end
local from = math.max(first, upto - tonumber(ARGV[3]) + 1)
if upto < from then return {} end
return redis.call('LRANGE', key, from - first, upto - first)
