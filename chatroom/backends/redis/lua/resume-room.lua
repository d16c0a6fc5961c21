
local row = args.row
local r = row[1]
-- Sealed by a rename left pending (rooms apart): not made again; the
-- rename, finished after the resume, moves the node's members.
if redis.call('EXISTS', sealed_key(r, 'room')) == 1 then return {r, row[6], row[7], {}} end
if redis.call('EXISTS', room_key(r)) == 0 then
  make_room_keys(r, row[2], '', row[3], row[4], row[5], row[8], args.created)
  lobby_news(r, row[2])
end
local info = redis.call('HMGET', room_key(r), 'inc', 'seq')
local missed = 0
if info[1] and info[1] == row[6] then
  local seq, after = tonumber(info[2]), tonumber(row[7])
  if after > seq then
    -- Redis is back behind this node (a failover to a replica the last
    -- events had not reached, a restart from an older copy): the events
    -- it lost were handed out, so their numbers and ids are never given
    -- again. Their places stay empty: in the log (a node skips an empty
    -- event) and, for as many ids, in the history (a redacted message's '').
    for s = seq + 1, after do redis.call('RPUSH', log_key(r), s .. ' ') end
    trim_log(r)
    redis.call('HSET', room_key(r), 'seq', after)
    skip_ids(r, after - seq)
    for _ = seq + 1, after do redis.call('RPUSH', history_key(r), '') end
    seq = after  -- info[2] still says where Redis was: the node logs it
  end
  local oldest = seq - redis.call('LLEN', log_key(r)) + 1
  if after >= seq then
    missed = {}
  elseif after + 1 >= oldest then
    missed = redis.call('LRANGE', log_key(r), after + 1 - oldest, -1)
  end
end
-- The sessions a kick among the missed events put out (its head names
-- them, in the codec's canonical encoding: `~{"type":"KickHead",
-- "session":"token"} `), which their node, catching the kick up, puts out
-- too: not seated again.
local kicked = {}
if type(missed) == 'table' then
  for _, entry in ipairs(missed) do
    local token = string.match(entry, '^%d+ ~{"type":"KickHead","session":"([^"]*)"} ')
    if token then kicked[token] = true end
  end
end
for _, seat in ipairs(args.seats) do
  local u, record = seat[1], {seat[2], seat[3]}
  if is_member(u, r) then
    copy_record(u, r, record)  -- its sessions, name and account as resumed
  elseif not kicked[string.match(record[1], '^%S*')] then
    seat_in_room(u, r, record)
    lobby_count(r)  -- one more member
  end
end
return {r, info[1], info[2], missed}
