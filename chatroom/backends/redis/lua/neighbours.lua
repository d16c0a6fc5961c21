
local u = args.user
if not holds(u, args.token) then return {'GONE'} end
local rooms = places_of(u)
if #rooms == 0 then return {'OK', ''} end
local reply = {'OK', redis.call('INCR', P .. 'news')}
for _, r in ipairs(rooms) do reply[#reply + 1] = r end
return reply
