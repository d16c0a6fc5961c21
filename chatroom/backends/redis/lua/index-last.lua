
for _, c in ipairs(args.changes) do index_last(c) end
if args.shown ~= '' then
  for _, s in ipairs(sessions_of(args.user, args.token)) do tell(s, args.shown) end
end
return 'OK'
