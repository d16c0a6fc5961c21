
-- The Matrix bridge's ledger's change (chatroom.backends.redis.bridge):
-- {'CHANGED', the failed premise's place} if a book has a note under a
-- premise's key (other than the one it allows); else each note written: one
-- with a time a string of its own, `P bridge:BOOK:KEY`, expiring after its
-- seconds; one kept for ever a field of the book's hash, `P bridge:BOOK`.
-- Answers {'OK'}.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  if op.seconds and op.seconds > 0 then
    redis.call('SET', P .. 'bridge:' .. op.book .. ':' .. op.key, op.value,
      'EX', op.seconds)
  else
    redis.call('HSET', P .. 'bridge:' .. op.book, op.key, op.value)
  end
end
return {'OK'}
