
local pending = {}
for i = 6, #ARGV do pending[#pending + 1] = ARGV[i] end
if copy_into(ARGV[2], ARGV[3], {ARGV[4], ARGV[5]}, pending) then return 1 end
return 0
