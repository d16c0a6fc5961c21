if not holds(args.user, args.token) then return 0 end
presence_meta_set(args.user, args.meta)
return 1
