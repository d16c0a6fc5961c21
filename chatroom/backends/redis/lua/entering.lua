
local u, token = ARGV[2], ARGV[3]
if not holds(u, token) then return {'GONE'} end
local c = cjson.decode(ARGV[4])
local created = ''
if ARGV[5] then
  if redis.call('HEXISTS', ROOMS, c.r) == 0
      and redis.call('HLEN', ROOMS) >= tonumber(ARGV[6]) then
    return {'CHANGED', redis.call('HLEN', ROOMS)}
  end
  created = list_room(c.r, ARGV[5], u .. ' ' .. token)
end
index_first(c)
return {'OK', cjson.encode(records_of(c)), created, #sessions_of(u, token)}
