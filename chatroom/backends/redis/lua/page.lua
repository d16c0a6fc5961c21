
local r, u = ARGV[2], ARGV[3]
local refusal = not_a_member(u, ARGV[4], r)
if refusal then return {refusal} end
local first, last = kept_ids(r)
if ARGV[6] ~= '' then last = math.min(last, tonumber(ARGV[6]) - 1) end
return {'OK', events(r, math.max(first, last - tonumber(ARGV[5]) + 1), last)}
