
local key = P .. 'talk:' .. ARGV[2]
local last = tonumber(redis.call('HGET', P .. 'pids', ARGV[2]) or '0')
local first = last - redis.call('LLEN', key) + 1
local id = tonumber(ARGV[3])
if id < first or id > last then return 0 end
local data = redis.call('LINDEX', key, id - first)
if not data or data == '' then return 0 end
redis.call('LSET', key, id - first, '')
for party in string.gmatch(ARGV[2], '%S+') do
  redis.call('LREM', P .. 'waiting:' .. party, 0, data)
end
feed_private(ARGV[2], ARGV[4])
return 1
