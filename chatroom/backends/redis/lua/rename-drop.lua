
-- The old room's last step of a rename with rooms apart: RENAMED
-- published on its channel (where its members' nodes hear it and move to
-- the new one) and its sealed keys dropped; nothing when they are gone
-- already. Operands: room (r), published (the event as published, '' for
-- none: it was published in the room itself), seq (its place). Answers
-- OK and the place.
local r = args.room
local function sealed(kind) return sealed_key(r, kind) end
if redis.call('EXISTS', sealed('room')) == 1 then
  if args.published ~= '' then redis.call(PUB, channel_key(r), args.published) end
  for _, kind in ipairs(ROOM_KINDS) do redis.call('DEL', sealed(kind)) end
end
return {'OK', args.seq}
