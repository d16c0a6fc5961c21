
local r = args.room
if being_made(r) then return 'MAKING' end
unlist_room(r)
return 'OK'
