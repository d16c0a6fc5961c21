
if not holds(ARGV[2], ARGV[3]) then return 'CHANGED' end
return 'OK'
