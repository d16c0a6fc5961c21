-- The room list's rows changed since change `since` (a node's kept rows,
-- chatroom.backends.redis.listing), where rooms share the server's slot,
-- at most `most` of them, oldest change first: the number of the last
-- change this answer covers (the newest, or the last of these rooms' when
-- more changed: the node asks again from there), then for each changed
-- room its row, or {r, members} where its members alone changed since
-- (the count its last change stored, `P listed-counts`: read in one HMGET
-- for them all). Each room is in the index of changes once, at its last
-- change, so the pages a node reads one after another miss no room.
-- Answers {-1} where the node must read the whole list: the index no
-- longer holds every change since (`since` under its floor), or Redis has
-- fewer changes than the node read (its data lost).
local since, most = tonumber(args.since), tonumber(args.most)
local listed = redis.call('HMGET', P .. 'listed', 'version', 'floor')
local version = tonumber(listed[1] or '0')
if since < tonumber(listed[2] or '0') or since > version then return {-1} end
local scored = redis.call('ZRANGEBYSCORE', P .. 'listed-changes',
                          '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, most)
local changed, upto = {}, version
for i = 1, #scored, 2 do changed[#changed + 1] = scored[i] end
if #changed >= most then upto = tonumber(scored[#scored]) end
local rows = {}  -- every room whose row changed is among `changed`
for _, r in ipairs(redis.call('ZRANGEBYSCORE', P .. 'listed-rows',
                              '(' .. since, upto)) do
  rows[r] = true
end
local counted = {}
for _, r in ipairs(changed) do
  if not rows[r] then counted[#counted + 1] = r end
end
local counts = {}
if #counted > 0 then
  local read = redis.call('HMGET', P .. 'listed-counts', unpack(counted))
  for i, r in ipairs(counted) do counts[r] = read[i] end
end
local reply = {upto}
for _, r in ipairs(changed) do
  if counts[r] then reply[#reply + 1] = {r, counts[r]}
  else reply[#reply + 1] = listed_row(r) end
end
return reply
