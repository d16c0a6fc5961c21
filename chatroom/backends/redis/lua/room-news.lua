
local r = args.room
if not_a_member(args.user, args.token, r) then return {'OK', 0} end
emit(r, args.head .. args.event)
return {'OK', 1}
