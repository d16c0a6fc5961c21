
-- The server's step after a moderation's room step: the indexes that
-- named the room a kick left go (index_last, `changes`), and the target
-- (`user`) is told `told` wherever it is ('' for nothing: an invitation).
for _, c in ipairs(args.changes) do index_last(c) end
if args.told ~= '' then
  for _, s in ipairs(sessions_of(args.user, '')) do tell(s, args.told) end
end
return 'OK'
