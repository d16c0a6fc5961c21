
local r, u = args.room, args.user
local refusal = not_a_member(u, args.token, r)
if refusal then return {refusal} end
local first, last = kept_ids(r)
if args.before ~= '' then last = math.min(last, tonumber(args.before) - 1) end
return {'OK', events(r, math.max(first, last - tonumber(args.count) + 1), last)}
