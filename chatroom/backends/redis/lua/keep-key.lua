
-- Sender's transaction key, kept alone (a change of its SenderKeys): its
-- line stored nothing (a private message between plain names, kept
-- nowhere; one its recipient ignores), and a repeat is answered from this
-- record (key-record.lua) rather than done again. A key done already
-- answers its record (key_done), nothing done. A message between plain
-- names (the change's TellSession) is told in the same script, as
-- tell.lua tells one, to user `user` while session `session` holds the
-- name, so it is told once and its key kept with it, or neither:
-- {'NO_SUCH_USER'} if that session holds the name no longer. `held`
-- (behind --redis-replicas): the message is held with its key (key_hold),
-- untold, until the node's WAIT confirms it and publish-held.lua tells it.
local c = args.change
local done, keyed = key_done(c, nil)
if done then return done end
local told = nil
for _, op in ipairs(c.ops) do
  if op.kind == 'TellSession' then told = op end
end
if told and not holds(told.user, told.session) then return {'NO_SUCH_USER'} end
if told and args.held then
  key_hold(keyed, nil, told.event)
  return {'OK'}
end
if told then
  for _, s in ipairs(sessions_of(told.user, '')) do tell(s, told.event) end
end
key_keep(keyed, nil, '')
return {'OK'}
