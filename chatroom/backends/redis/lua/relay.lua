
local r = args.room
local refusal = not_a_member(args.user, args.token, r)
if refusal then return refusal end
emit(r, args.event)
return 'OK'
