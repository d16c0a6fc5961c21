
local r = ARGV[2]
for i = 3, #ARGV do redis.call('SREM', places_key(ARGV[i]), r) end
unlist_room(r)
return 'OK'
