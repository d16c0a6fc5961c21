
local u, token = args.user, args.token
if not holds(u, token) then return {0} end
local elsewhere = 0
if #sessions_of(u, token) > 0 then elsewhere = 1 end
local reply = {elsewhere}
for _, r in ipairs(places_of(u)) do reply[#reply + 1] = r end
return reply
