-- The room list's rows changed since change ARGV[2] (a node's kept rows,
-- chatroom.backends.redis.listing), where rooms share the server's slot:
-- the number of the last change, then for each changed room its row, or
-- {r, members} where its members alone changed since (the count its last
-- change stored, `P listed-counts`: read in one HMGET for them all). Answers
-- {-1} where the node must read the whole list: the index no longer holds
-- every change since (ARGV[2] under its floor), Redis has fewer changes
-- than the node read (its data lost), or more than ARGV[3] rooms changed.
local since, most = tonumber(ARGV[2]), tonumber(ARGV[3])
local listed = redis.call('HMGET', P .. 'listed', 'version', 'floor')
local version = tonumber(listed[1] or '0')
if since < tonumber(listed[2] or '0') or since > version then return {-1} end
local changed = redis.call('ZRANGEBYSCORE', P .. 'listed-changes',
                           '(' .. since, '+inf', 'LIMIT', 0, most + 1)
if #changed > most then return {-1} end
local rows = {}  -- every room whose row changed is among `changed`
for _, r in ipairs(redis.call('ZRANGEBYSCORE', P .. 'listed-rows',
                              '(' .. since, '+inf')) do
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
local reply = {version}
for _, r in ipairs(changed) do
  if counts[r] then reply[#reply + 1] = {r, counts[r]}
  else reply[#reply + 1] = listed_row(r) end
end
return reply
