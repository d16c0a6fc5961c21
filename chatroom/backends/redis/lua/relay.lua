
local r = ARGV[2]
local refusal = not_a_member(ARGV[3], ARGV[4], r)
if refusal then return refusal end
emit(r, ARGV[5])
return 'OK'
