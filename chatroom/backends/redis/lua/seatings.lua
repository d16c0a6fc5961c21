
local about = {}
for i = 3, #ARGV do about[#about + 1] = ARGV[i] end
return {seating(ARGV[2], about)}
