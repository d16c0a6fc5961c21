
-- Room `room`'s kept events said before the AgeOut's oldest time go, the
-- look from entry `from` (age_out).
local oldest = 0
for _, op in ipairs(args.change.ops) do
  if op.kind == 'AgeOut' then oldest = op.oldest end
end
local dropped, done, start = age_out(args.room, stored_time(oldest), args.from)
return {dropped, done and 1 or 0, start}
