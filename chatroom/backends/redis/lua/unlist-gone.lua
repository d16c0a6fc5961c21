
local r = ARGV[2]
if being_made(r) then return 'MAKING' end
unlist_room(r)
return 'OK'
