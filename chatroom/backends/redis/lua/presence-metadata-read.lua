-- The metadata each of args.users' sessions keeps (presence-metadata.lua
-- writes it for a session of any door): for each u, its JSON pairs, or ''
-- if it is offline or keeps none.
local reply = {}
for _, u in ipairs(args.users) do
  local kept = session_of(u) and redis.call('HGET', PRESENCE_META, u)
  reply[#reply + 1] = kept or ''
end
return reply
