
-- Room args.room's newest id, and up to args.count of its kept events after
-- id args.after, oldest first: what its Matrix portal is yet to be sent.
local r = args.room
local first, last = kept_ids(r)
first = math.max(first, tonumber(args.after) + 1)
return {last, events(r, first, math.min(last, first + tonumber(args.count) - 1))}
