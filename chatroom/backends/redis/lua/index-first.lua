
for _, c in ipairs(args.changes) do index_first(c) end
return 'OK'
