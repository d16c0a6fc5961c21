
local dropped, done, start = age_out(ARGV[2], ARGV[3], tonumber(ARGV[4]))
return {dropped, done and 1 or 0, start}
