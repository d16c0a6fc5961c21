local node = args.node
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', args.ttl)
redis.call('SADD', P .. 'nodes', node)
local prefix = node .. ':'
-- Why another node ended session `token` of ours while we were out of
-- touch, if it did (the newer generation first; read, not dropped: the
-- resume's last server step drops them, RESUME_END).
local ended_keys = {P .. 'ended:' .. node, P .. 'ended-old:' .. node}
local function ended(token)
  local conn = string.sub(token, #prefix + 1)
  for _, key in ipairs(ended_keys) do
    local why = redis.call('HGET', key, conn)
    if why then return why end
  end
  return nil
end
local failed, stale_places, seats, copied = {}, {}, {}, {}
for _, held in ipairs(args.users) do
  local u, token, name, account, rooms = held[1], held[2], held[3], held[4], held[5]
  local why = ended(token)
  if not why and (redis.call('ZSCORE', GBANS, 'name:' .. u)
      or (account ~= ''
          and redis.call('ZSCORE', GBANS, 'account:' .. account))) then
    why = 'banned from this server'
  end
  local v = redis.call('HGET', USERS, u)
  if why then
    failed[#failed + 1] = token .. ' ' .. why
  elseif v and not holds(u, token) then
    failed[#failed + 1] = token
  elseif redis.call('SISMEMBER', holders_key(u), token) == 0 then
    -- (where it is 1, a device of u's account is here: u is held, and in
    -- its rooms, elsewhere)
    redis.call('HSET', USERS, u, token .. ' ' .. name)
    session_indexed(u, token)
    if not v then sighted(name, 'online') end  -- freed while away
    if account ~= '' then
      redis.call('HSET', SIGNED, u, account)
    else
      redis.call('HDEL', SIGNED, u)
    end
    local keep = {}
    for _, r in ipairs(rooms) do keep[r] = true end
    for _, r in ipairs(places_of(u)) do
      if not keep[r] then stale_places[#stale_places + 1] = r .. ' ' .. u end
    end
    for _, r in ipairs(rooms) do places_add(u, r) end  -- the index first
    copied[#copied + 1] = {u, rooms, keep}
  end
end
-- Each room's users to seat (its step's), and the copies to refresh where
-- no step seats them.
local to_seat, copies = {}, {}
for _, entry in ipairs(copied) do
  local u, rooms, keep = entry[1], entry[2], entry[3]
  local record = member_record(u)
  for _, r in ipairs(rooms) do
    if not to_seat[r] then
      to_seat[r] = {r}
      seats[#seats + 1] = to_seat[r]
    end
    local seat = to_seat[r]
    seat[#seat + 1] = u
    seat[#seat + 1] = record[1]
    seat[#seat + 1] = record[2]
  end
  local formers = renames_of(u)
  local elsewhere = {}
  for _, r in ipairs(places_of(u)) do
    -- A room's step copies u where it seats u, unless a rename is to move.
    if #formers > 0 or not keep[r] then elsewhere[#elsewhere + 1] = r end
  end
  if #elsewhere > 0 or #formers > 0 then
    copies[#copies + 1] = {u, record, elsewhere, formers}
  end
end
local made = {}
for _, row in ipairs(args.rooms) do
  made[#made + 1] = list_room(row[1], row[2], node)  -- should its keys be gone
end
return {failed, seats, stale_places, copies, made}
