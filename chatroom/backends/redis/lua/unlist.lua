
local r = ARGV[2]
for i = 3, #ARGV do places_remove(ARGV[i], r) end
unlist_room(r)
forget_sent(r)
return 'OK'
