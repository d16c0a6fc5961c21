
local formers = {}
for i = 6, #ARGV do formers[#formers + 1] = ARGV[i] end
if copy_into(ARGV[2], ARGV[3], {ARGV[4], ARGV[5]}, formers) then return 1 end
return 0
