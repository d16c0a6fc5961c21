
local dropped, done = age_out(ARGV[2], ARGV[3])
return {dropped, done and 1 or 0}
