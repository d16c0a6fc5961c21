
for _, c in ipairs(cjson.decode(ARGV[2])) do index_first(c) end
return 'OK'
