
local r, n = ARGV[2], tonumber(ARGV[3])
local key = history_key(r)
local last = newest_id(r)
local first = last - redis.call('LLEN', key) + 1
local places = {}
for i = 0, n - 1 do
  local id = tonumber(ARGV[4 + 3 * i])
  if id >= first then
    if redis.call('LINDEX', key, id - first) ~= ARGV[5 + 3 * i] then return 0 end
    places[#places + 1] = {id - first, ARGV[6 + 3 * i]}
  end
end
for _, place in ipairs(places) do redis.call('LSET', key, place[1], place[2]) end
return 1
