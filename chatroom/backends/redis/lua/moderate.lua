
local r, u = ARGV[2], ARGV[3]
local refusal = not_decided(u, ARGV[4], r, ARGV[5], ARGV[6])
if refusal then return refusal end
local tu, ttoken = ARGV[13], ARGV[14]
-- The target was read apart from the room (TARGET, then FACTS): one that
-- changed between the reads, or since, is no longer as decided on here.
if ttoken ~= '' and is_member(tu, r) ~= (ARGV[15] == '1') then return 'CHANGED' end
if ARGV[15] == '1' and own_token(r, tu) ~= ttoken then return 'CHANGED' end
local changes = cjson.decode(ARGV[16])
if not all_hold(changes) then return 'CHANGED' end
local rk = room_key(r)
if ARGV[7] ~= '-' then
  redis.call('HSET', rk, 'policy', ARGV[7], 'kept', ARGV[8],
             'restricted', ARGV[9], 'owner_account', ARGV[10],
             'moderated', ARGV[11])
  redis.call('HINCRBY', rk, 'ver', 1)
  -- a secret room leaves the lobby, and comes back (watchers re-read it)
  lobby_news(r, redis.call('HGET', rk, 'name'))
  if ARGV[12] == '1' then set_owner(r, u) end
end
for i = 19, #ARGV do emit(r, ARGV[i]) end
record_entries(r, ARGV[17], ARGV[18])
for _, c in ipairs(changes) do
  c.records = {}
  apply_in_room(c)
end
return 'OK'
