
local r, u, token = ARGV[2], ARGV[3], ARGV[4]
if not redis.call('HGET', room_key(r), 'name') then return {'NO_SUCH_ROOM'} end
local refusal = not_a_member(u, token, r)
if refusal then return {refusal} end
return {'OK', {{newest_seq(r)}}, view(r, u, ARGV[5], ARGV[6], ARGV[7]), {seating(r, {u})}}
