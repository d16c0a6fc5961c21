
-- The server's reports' change: its premises checked ({'CHANGED', the
-- failed one's place}: the last number as read, the report not filed yet
-- under its key, the report open), then each report kept as the core
-- encoded it, filed (FileReport: open, under its key, the last number) or
-- closed (CloseReport), and the moderation log entries it records
-- (`keep`: the most a log keeps): in the server's log, or a room's that
-- shares this slot (none to a room gone); with rooms apart (`apart`) a
-- room's are kept with the report in P reports:unlogged until a node has
-- copied them there, and the reply is 'OK' and every entry still to copy
-- (field, then [room, entries], for REPORTS_LOGGED).
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local reports, open_key = P .. 'reports', P .. 'reports:open'
local field = ''
for _, op in ipairs(c.ops) do
  if op.kind == 'FileReport' then
    redis.call('HSET', reports, op.number, op.kept)
    redis.call('ZADD', open_key, op.number, op.number)
    redis.call('SADD', reports .. ':filed', op.filed)
    redis.call('SET', reports .. ':last', op.number)
    field = op.number .. ' filed'
  elseif op.kind == 'CloseReport' then
    redis.call('HSET', reports, op.number, op.kept)
    redis.call('ZREM', open_key, op.number)
    field = op.number .. ' closed'
  end
end
local kept = false
for _, op in ipairs(c.ops) do
  if op.kind == 'RecordEntries' then
    local log = op.log ~= '' and op.log or '*'
    if log == '*' then
      record_entries(log, args.keep, op.entries)
    elseif args.apart then
      redis.call('HSET', reports .. ':unlogged', field, cjson.encode({log, op.entries}))
      kept = true
    elseif redis.call('EXISTS', room_key(log)) == 1 then
      record_entries(log, args.keep, op.entries)
    end
  end
end
if not kept then return 'OK' end
local reply = redis.call('HGETALL', reports .. ':unlogged')
table.insert(reply, 1, 'OK')
return reply
