
-- The old room's last step of a rename with rooms apart: RENAMED
-- published on its channel (where its members' nodes hear it and move to
-- the new one) and its sealed keys dropped; nothing when they are gone
-- already. ARGV: 2 r, 3 the event as published ('' for none: it was
-- published in the room itself), 4 its place. Answers OK and the place.
local r = ARGV[2]
local function sealed(kind) return sealed_key(r, kind) end
if redis.call('EXISTS', sealed('room')) == 1 then
  if ARGV[3] ~= '' then redis.call(PUB, channel_key(r), ARGV[3]) end
  for _, kind in ipairs(ROOM_KINDS) do redis.call('DEL', sealed(kind)) end
end
return {'OK', ARGV[4]}
