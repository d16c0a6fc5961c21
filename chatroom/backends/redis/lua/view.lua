
local r, u, token = args.room, args.user, args.token
if not redis.call('HGET', room_key(r), 'name') then return {'NO_SUCH_ROOM'} end
local refusal = not_a_member(u, token, r)
if refusal then return {refusal} end
return {'OK', newest_seq(r), view(r, u, args.shown, args.after, args.most),
        {seating(r, {u})}}
