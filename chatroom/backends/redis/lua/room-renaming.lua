
-- The server's first step of a rename with rooms apart: the rename's
-- journal written (`P room-renames`, r → what the core decided; `P
-- room-renames-into`, the new key → r), once the new name is free.
-- ARGV: 2 r, 3 the new key, 4 the journal, 5 now (the node's clock).
-- Answers OK; PENDING and the journal of a rename of either key left
-- pending (for the node to finish first); CHANGED, what has the name
-- (or ''), where it leads (or ''), when the name is not free.
local r, new, now = ARGV[2], ARGV[3], tonumber(ARGV[5])
local RENAMES, INTO = P .. 'room-renames', P .. 'room-renames-into'
for _, k in ipairs({r, new}) do
  local pending = redis.call('HGET', RENAMES, k)
    or redis.call('HGET', RENAMES, redis.call('HGET', INTO, k) or '')
  if pending then return {'PENDING', pending} end
end
if new ~= r then
  local taken = redis.call('HGET', ROOMS, new)
  if taken then return {'CHANGED', taken, ''} end
  local leads = former_name(new, now)
  if leads and leads[2] ~= r then return {'CHANGED', '', leads[3]} end
end
redis.call('HSET', RENAMES, r, ARGV[4])
redis.call('HSET', INTO, new, r)
return 'OK'
