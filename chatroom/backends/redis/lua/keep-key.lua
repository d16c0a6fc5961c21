
-- Sender's transaction key, kept alone (a change of its SenderKeys): its
-- line (a private message between plain names, told and kept nowhere)
-- stored nothing, and a repeat is answered from this record
-- (key-record.lua) rather than told again. A key done already answers its
-- record (key_done), nothing kept. `held` (behind --redis-replicas): the
-- message `args.event` is held with its key (key_hold), untold, until the
-- node's WAIT confirms it and publish-held.lua tells it.
local c = args.change
local done = key_done(c, nil)
if done then return done end
if args.held then
  key_hold(c, nil, args.event)
else
  key_keep(c, nil, '')
end
return {'OK'}
