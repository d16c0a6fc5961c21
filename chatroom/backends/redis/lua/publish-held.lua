
-- A keyed message held by say.lua (`held`, said_held: kept, not published) published,
-- now that the node's WAIT says the replicas have it: sender `args.sender`'s
-- key `args.key` in room `args.room`. Its record loses its mark (`!ID`
-- becomes `ID`) and the message, as kept, is published under the room's
-- next sequence number, once: a second call (the key's repeat on another
-- node, at once) finds it published and publishes nothing. Answers {'OK',
-- id, seq}, or {'OK', 0} when there was nothing to publish (published
-- already, its record gone, or its message no longer kept: redacted or
-- aged out meanwhile).
local r = args.room
local k = txn_key(r, args.sender, args.key)
local kept = redis.call('GET', k)
if not kept then return {'OK', 0} end
local line, id, target = string.match(kept, '^(%S+) (%S*) (.*)$')
if string.sub(id, 1, 1) ~= '!' then return {'OK', 0} end
id = string.sub(id, 2)
redis.call('SET', k, line .. ' ' .. id .. ' ' .. target, 'KEEPTTL')
local entry = events(r, tonumber(id), tonumber(id))[1]
if not entry or entry == '' then return {'OK', 0} end
return {'OK', id, emit(r, entry)}
