
for _, s in ipairs(sessions_of(ARGV[2], ARGV[3])) do tell(s, ARGV[4]) end
return 'OK'
