
-- The server's step of a rename with rooms apart, once the new room is
-- restored: the indexes, former names and accounts' keys follow
-- (rename_indexes), the hooks' index too, the lobby's watchers are told;
-- once only (the journal keeps that it ran).
-- ARGV: 2 r, 3 the event's place, 4 the number n of members, then the n
-- members, then the hooks' secrets. Answers OK.
local r = ARGV[2]
local RENAMES = P .. 'room-renames'
local journal = redis.call('HGET', RENAMES, r)
if not journal then return 'OK' end
local j = cjson.decode(journal)
if j.seq then return 'OK' end
local n = tonumber(ARGV[4])
local members, secrets = {}, {}
for i = 5, 4 + n do table.insert(members, ARGV[i]) end
for i = 5 + n, #ARGV do table.insert(secrets, ARGV[i]) end
rename_indexes(r, j.new, j.name, members, tonumber(j['until']), tonumber(j.now))
numbering(j.new)
rename_hook_index(secrets, j.name)
if j.lobby ~= '' then redis.call('PUBLISH', P .. 'lobby', j.lobby) end
lobby_news(r, j.old)
lobby_news(j.new, j.name)
j.seq = ARGV[3]
redis.call('HSET', RENAMES, r, cjson.encode(j))
return 'OK'
