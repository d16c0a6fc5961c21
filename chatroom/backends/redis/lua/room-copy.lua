
if copy_into(args.room, args.user, args.record, args.formers) then return 1 end
return 0
