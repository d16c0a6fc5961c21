
-- The server's first step of a rename with rooms apart: the rename's
-- journal written (`P room-renames`, r → what the core decided; `P
-- room-renames-into`, the new key → r), once the new name is free (the
-- premises read on the server's keys).
-- Operands: change, new (the new key), journal, now (the node's clock).
-- Answers OK; PENDING and the journal of a rename of either key left
-- pending (for the node to finish first); CHANGED, the failed premise's
-- place, what has the name (or ''), where it leads (or ''), when the name
-- is not free.
local c, new, now = args.change, args.new, args.now
local r = c.subject.room
c.now = now
local RENAMES, INTO = P .. 'room-renames', P .. 'room-renames-into'
for _, k in ipairs({r, new}) do
  local pending = redis.call('HGET', RENAMES, k)
    or redis.call('HGET', RENAMES, redis.call('HGET', INTO, k) or '')
  if pending then return {'PENDING', pending} end
end
local failed = unmet(c, 'server')
if failed then
  local leads = former_name(new, now)
  return {'CHANGED', failed, redis.call('HGET', ROOMS, new) or '',
          leads and leads[3] or ''}
end
redis.call('HSET', RENAMES, r, args.journal)
redis.call('HSET', INTO, new, r)
return 'OK'
