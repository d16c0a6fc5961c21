
-- ARGV: P, then the premises ('': none): the last number as read, the
-- key the report must not be filed under, the number that must be open;
-- then the report's number, the report as the core encoded it, '1' to
-- file it or '0' to close it, and the key it is filed under; then the
-- moderation log its entries go to ('*', the server's, or a room's that
-- shares this slot; '': none here), the most entries a log keeps and the
-- entries (a JSON array), recorded in the same step (none to a room gone);
-- then, with rooms apart, the room whose log (in its own slot) the entries
-- go to ('': none): they are kept with the report, in P reports:unlogged
-- until a node has copied them there, and the reply is 'OK' and every
-- entry still to copy (field, then [room, entries], for REPORTS_LOGGED).
local last, filed, open = ARGV[2], ARGV[3], ARGV[4]
local number, kept, filing = ARGV[5], ARGV[6], ARGV[7] == '1'
local reports, open_key = P .. 'reports', P .. 'reports:open'
if last ~= '' and (tonumber(redis.call('GET', reports .. ':last')) or 0) ~= tonumber(last) then
  return 'PREMISE'
end
if filed ~= '' and redis.call('SISMEMBER', reports .. ':filed', filed) == 1 then
  return 'PREMISE'
end
if open ~= '' and not redis.call('ZSCORE', open_key, open) then return 'PREMISE' end
redis.call('HSET', reports, number, kept)
if filing then
  redis.call('ZADD', open_key, number, number)
  redis.call('SADD', reports .. ':filed', ARGV[8])
  redis.call('SET', reports .. ':last', number)
else
  redis.call('ZREM', open_key, number)
end
local log = ARGV[9]
if log == '*' or (log ~= '' and redis.call('EXISTS', room_key(log)) == 1) then
  record_entries(log, ARGV[10], ARGV[11])
end
local apart = ARGV[12] or ''
if apart == '' then return 'OK' end
local unlogged = reports .. ':unlogged'
local field = number .. (filing and ' filed' or ' closed')
redis.call('HSET', unlogged, field, cjson.encode({apart, ARGV[11]}))
local reply = redis.call('HGETALL', unlogged)
table.insert(reply, 1, 'OK')
return reply
