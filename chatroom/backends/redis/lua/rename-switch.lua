
-- The server's step of a rename with rooms apart, once the new room is
-- restored: the indexes, former names and accounts' keys follow
-- (rename_indexes), the hooks' index too, the lobby's watchers are told;
-- once only (the journal keeps that it ran).
-- Operands: room (r), seq (the event's place), members, secrets (the
-- hooks'). Answers OK.
local r = args.room
local RENAMES = P .. 'room-renames'
local journal = redis.call('HGET', RENAMES, r)
if not journal then return 'OK' end
local j = cjson.decode(journal)
if j.seq then return 'OK' end
rename_indexes(r, j.new, j.name, args.members, tonumber(j['until']), tonumber(j.now))
numbering(j.new)
rename_hook_index(args.secrets, j.name)
if j.lobby ~= '' then redis.call('PUBLISH', P .. 'lobby', j.lobby) end
lobby_news(r, j.old)
lobby_news(j.new, j.name)
j.seq = args.seq
redis.call('HSET', RENAMES, r, cjson.encode(j))
return 'OK'
