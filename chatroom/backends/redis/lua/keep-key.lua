
-- Sender's transaction key, kept alone (a change of its SenderKeys): its
-- line (a private message between plain names, told and kept nowhere)
-- stored nothing, and a repeat is answered from this record
-- (key-record.lua) rather than told again. A key done already answers its
-- record (key_done), nothing kept.
local c = args.change
local done = key_done(c, nil)
if done then return done end
key_keep(c, nil, '')
return {'OK'}
