
local r, owner = ARGV[2], ARGV[9]
if not unchanged(r, ARGV[3], ARGV[4]) then return 'CHANGED' end
if owner ~= '' and not is_member(owner, r) then return 'CHANGED' end
redis.call('HSET', room_key(r), 'policy', ARGV[5], 'kept', ARGV[6],
           'restricted', ARGV[7], 'owner_account', ARGV[8], 'moderated', ARGV[11])
set_owner(r, owner)
lobby_news(r, redis.call('HGET', room_key(r), 'name'))
if ARGV[10] ~= '' then emit(r, ARGV[10]) end
return 'OK'
