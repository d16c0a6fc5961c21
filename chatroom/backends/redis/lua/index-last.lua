
for _, c in ipairs(cjson.decode(ARGV[2])) do index_last(c) end
if ARGV[3] ~= '' then
  local show = cjson.encode({type = 'ShowRoom', room = ARGV[5]})
  for _, s in ipairs(sessions_of(ARGV[3], ARGV[4])) do tell(s, show) end
end
return 'OK'
