-- The room list's rows changed since change ARGV[2] (a node's kept rows,
-- chatroom.backends.redis.listing), where rooms share the server's slot:
-- the number of the last change, then each changed room's row. Answers
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
local reply = {version}
for _, r in ipairs(changed) do reply[#reply + 1] = listed_row(r) end
return reply
