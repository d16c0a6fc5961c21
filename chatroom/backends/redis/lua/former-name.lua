local pending = redis.call('HGET', P .. 'room-renames', args.name)
if pending then return {'PENDING', pending} end
local leads = former_name(args.name, tonumber(args.now))
if not leads then return '' end
return leads[3]
