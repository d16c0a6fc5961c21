
local r = ARGV[2]
if not_a_member(ARGV[3], ARGV[4], r) then return {'OK', 0} end
emit(r, ARGV[5] .. ARGV[6])
return {'OK', 1}
