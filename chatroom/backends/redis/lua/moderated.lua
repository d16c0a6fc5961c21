
for _, c in ipairs(cjson.decode(ARGV[3])) do index_last(c) end
if ARGV[4] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[2], '')) do tell(s, ARGV[4]) end
end
return 'OK'
