
for _, c in ipairs(cjson.decode(ARGV[2])) do index_last(c) end
for i = 3, #ARGV, 2 do finish_ending(ARGV[i], ARGV[i + 1]) end
return 'OK'
