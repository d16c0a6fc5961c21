
for _, c in ipairs(args.changes) do index_last(c) end
for _, ended in ipairs(args.ended) do finish_ending(ended[1], ended[2]) end
return 'OK'
