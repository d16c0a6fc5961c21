
-- The Matrix bridge's ledger's change (chatroom.backends.redis.bridge):
-- {'CHANGED', the failed premise's place} if a book has a note under a
-- premise's key; else each note written, `P bridge:BOOK:KEY`, expiring
-- after its seconds (0: kept). Answers {'OK'}.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  local key = P .. 'bridge:' .. op.book .. ':' .. op.key
  if op.seconds and op.seconds > 0 then
    redis.call('SET', key, op.value, 'EX', op.seconds)
  else
    redis.call('SET', key, op.value)
  end
end
return {'OK'}
