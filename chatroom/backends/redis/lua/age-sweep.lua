
local lease, holder = P .. 'ageing', ARGV[2]
local held = redis.call('GET', lease)
if held and held ~= holder then return {'HELD', held} end
redis.call('SET', lease, holder, 'PX', ARGV[3])
local scanned = redis.call('HSCAN', ROOMS, ARGV[4], 'COUNT', ARGV[5])
local rooms, fields = {}, scanned[2]
for i = 1, #fields, 2 do rooms[#rooms + 1] = fields[i] end
return {'OK', scanned[1], rooms}
