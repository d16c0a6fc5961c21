
-- A sweep by age's chunk: its premises checked (the sweep's lease held by
-- its holder, who takes or keeps it for its time: {'CHANGED', the failed
-- one's place} while another node holds it), then the next chunk of the
-- rooms' index from `cursor`, `count` of them: {'OK', next cursor ('0':
-- the last chunk), room keys}.
local failed = unmet(args.change)
if failed then return {'CHANGED', failed} end
local scanned = redis.call('HSCAN', ROOMS, args.cursor, 'COUNT', args.count)
local rooms, fields = {}, scanned[2]
for i = 1, #fields, 2 do rooms[#rooms + 1] = fields[i] end
return {'OK', scanned[1], rooms}
