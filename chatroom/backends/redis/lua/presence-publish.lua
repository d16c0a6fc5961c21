if not holds(ARGV[2], ARGV[3]) then return 0 end
presence_set(ARGV[2], ARGV[4], ARGV[5])
return 1
