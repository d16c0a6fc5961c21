
-- The old room's first step of a rename with rooms apart: its premises
-- checked (incarnation, version, owner as read), then its keys sealed
-- (renamed within its slot, so every room script finds no room r) and
-- answered as DUMPs for the new room's step. Run again on a sealed room
-- it answers the same without checking (a rename being finished).
-- ARGV: 2 r, 3 inc, 4 ver, 5 owner. Answers OK, r's newest id, its
-- members, then kind and DUMP of each of its keys; NO_SUCH_ROOM; CHANGED.
local r = ARGV[2]
local function sealed(kind) return sealed_key(r, kind) end
if redis.call('EXISTS', sealed('room')) == 0 then
  if redis.call('EXISTS', room_key(r)) == 0 then return {'NO_SUCH_ROOM'} end
  if not unchanged(r, ARGV[3], ARGV[4]) then return {'CHANGED'} end
  if redis.call('HGET', room_key(r), 'owner') ~= ARGV[5] then return {'CHANGED'} end
  for _, kind in ipairs(ROOM_KINDS) do
    if redis.call('EXISTS', kind_key(r, kind)) == 1 then
      redis.call('RENAME', kind_key(r, kind), sealed(kind))
    end
  end
end
local answer = {'OK', newest_id(r), redis.call('ZRANGE', sealed('members'), 0, -1)}
for _, kind in ipairs(ROOM_KINDS) do
  local dumped = redis.call('DUMP', sealed(kind))
  if dumped then
    table.insert(answer, kind)
    table.insert(answer, dumped)
  end
end
return answer
