
if not holds(args.user, args.token) then return {'NO_SUCH_USER'} end
for _, s in ipairs(sessions_of(args.user, '')) do tell(s, args.event) end
if args.copy_account ~= '' then  -- the sender's copy, to its sessions on other nodes
  for _, s in ipairs(sessions_of(args.copy_account, args.copy_token)) do tell(s, args.event) end
end
return {'OK'}
