
-- The old room's first step of a rename with rooms apart: its premises
-- checked (incarnation, version, owner as read), then its keys sealed
-- (renamed within its slot, so every room script finds no room r) and
-- answered as DUMPs for the new room's step. Run again on a sealed room
-- it answers the same without checking (a rename being finished).
-- Operands: change (the rename, as journalled). Answers OK, r's newest
-- id, its members, its incarnation, then kind and DUMP of each of its
-- keys; NO_SUCH_ROOM; CHANGED and the failed premise's place.
local c = args.change
local r = c.subject.room
local function sealed(kind) return sealed_key(r, kind) end
if redis.call('EXISTS', sealed('room')) == 0 then
  if redis.call('EXISTS', room_key(r)) == 0 then return {'NO_SUCH_ROOM'} end
  local failed = unmet(c, 'room')
  if failed then return {'CHANGED', failed} end
  for _, kind in ipairs(ROOM_KINDS) do
    if redis.call('EXISTS', kind_key(r, kind)) == 1 then
      redis.call('RENAME', kind_key(r, kind), sealed(kind))
    end
  end
end
local answer = {'OK', newest_id(r), redis.call('ZRANGE', sealed('members'), 0, -1),
                redis.call('HGET', sealed('room'), 'inc') or ''}
for _, kind in ipairs(ROOM_KINDS) do
  local dumped = redis.call('DUMP', sealed(kind))
  if dumped then
    table.insert(answer, kind)
    table.insert(answer, dumped)
  end
end
return answer
