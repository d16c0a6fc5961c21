
-- A rename with rooms apart rolled back (the new key was taken first):
-- the old room's sealed keys back under their names, unless the room
-- is there already. Operands: room (r). Answers OK.
local r = args.room
local function sealed(kind) return sealed_key(r, kind) end
if redis.call('EXISTS', room_key(r)) == 0 then
  for _, kind in ipairs(ROOM_KINDS) do
    if redis.call('EXISTS', sealed(kind)) == 1 then
      redis.call('RENAME', sealed(kind), kind_key(r, kind))
    end
  end
end
return 'OK'
