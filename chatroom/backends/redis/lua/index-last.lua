
for _, c in ipairs(cjson.decode(ARGV[2])) do index_last(c) end
if ARGV[5] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[3], ARGV[4])) do tell(s, ARGV[5]) end
end
return 'OK'
