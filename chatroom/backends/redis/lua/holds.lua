
if not holds(args.user, args.token) then return 'GONE' end
return 'OK'
