
-- A message kept for an absent account: its premises checked (the account
-- and the sender's registered, nobody connected as the account, fewer
-- waiting than the most: {'CHANGED', the failed one's place}), then the
-- message kept and the sender's copy told to its account's sessions on
-- nodes other than its seat's.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  if op.kind == 'KeepPrivate' then
    redis.call('RPUSH', P .. 'waiting:' .. c.subject.account, op.event)
    if op.copy_account ~= '' then
      for _, s in ipairs(sessions_of(op.copy_account, op.copy_token)) do
        tell(s, op.event)
      end
    end
  end
end
return {'OK'}
