
-- What sender `args.sender`'s transaction key `args.key` did, if it is kept
-- (key_keep): the string `line id target`, or nil. `args.room`: the room
-- it was used in ('' for the server's slot: a private message's).
local r = args.room
if r == '' then r = nil end
return redis.call('GET', txn_key(r, args.sender, args.key))
