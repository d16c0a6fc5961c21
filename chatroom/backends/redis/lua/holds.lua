
if not holds(ARGV[2], ARGV[3]) then return 'GONE' end
return 'OK'
