
local r = args.room
local info = redis.call('HMGET', room_key(r), 'name', 'permanent', 'owner',
                        'capacity', 'inc', 'ver', 'policy')
if not info[1] then return {'NO_SUCH_ROOM'} end
local owner, owner_name = info[3] or '', ''
if owner ~= '' and is_member(owner, r) then owner_name = (seated(r, owner)) end
local present = 0
if args.target ~= '' and is_member(args.target, r) then present = 1 end
return {'OK', info[1], info[2], owner, info[4],
        redis.call('ZCARD', members_key(r)), info[5], info[6], info[7] or '',
        owner_name, present}
