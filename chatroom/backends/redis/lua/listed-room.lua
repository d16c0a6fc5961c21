
local r = ARGV[2]
local info = redis.call('HMGET', room_key(r), 'name', 'capacity', 'topic',
                        'created', 'policy')
if not info[1] then return {r} end
local secret = '0'
if info[5] and string.find(info[5], '"secret":true', 1, true) then secret = '1' end
return {r, info[1], redis.call('ZCARD', members_key(r)), info[2], info[3] or '',
        info[4], secret}
