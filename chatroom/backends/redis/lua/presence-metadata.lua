if not holds(ARGV[2], ARGV[3]) then return 0 end
presence_meta_set(ARGV[2], ARGV[4])
return 1
