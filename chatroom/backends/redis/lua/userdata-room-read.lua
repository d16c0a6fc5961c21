
local r = args.room
local info = redis.call('HMGET', room_key(r), 'name', 'owner', 'owner_account')
return {info[1] or '', newest_id(r), redis.call('LRANGE', history_key(r), 0, -1),
        info[2] or '', info[3] or ''}
