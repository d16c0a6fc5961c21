
for _, s in ipairs(sessions_of(args.account, args.token)) do tell(s, args.event) end
return 'OK'
