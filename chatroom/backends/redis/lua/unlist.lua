
local r = args.room
for _, u in ipairs(args.members) do places_remove(u, r) end
unlist_room(r)
forget_sent(r)
return 'OK'
