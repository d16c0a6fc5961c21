if not holds(args.user, args.token) then return 0 end
presence_set(args.user, args.facts, args.meta)
return 1
