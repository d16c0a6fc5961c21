
local node = ARGV[2]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
redis.call('SADD', P .. 'nodes', node)
local wanted_users = {}
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  local k = tonumber(ARGV[i + 4])
  local user = {u = ARGV[i], token = ARGV[i + 1], name = ARGV[i + 2],
                account = ARGV[i + 3], rooms = {}}
  for j = 1, k do user.rooms[j] = ARGV[i + 4 + j] end
  wanted_users[#wanted_users + 1] = user
  i = i + 5 + k
end
-- Sessions of ours that others ended while we were out of touch.
local ended = {}
for _, key in ipairs({P .. 'ended-old:' .. node, P .. 'ended:' .. node}) do
  local entries = redis.call('HGETALL', key)
  for n = 1, #entries, 2 do ended[node .. ':' .. entries[n]] = entries[n + 1] end
  redis.call('DEL', key)
end
local mine = {}
for _, user in ipairs(wanted_users) do
  local why = ended[user.token]
  if not why and (redis.call('ZSCORE', GBANS, 'name:' .. user.u)
      or (user.account ~= ''
          and redis.call('ZSCORE', GBANS, 'account:' .. user.account))) then
    why = 'banned from this server'
  end
  if why then user.ended = why else mine[user.u] = user.token end
end
local prefix = node .. ':'
-- The users whose copies change (their holders, or their names resumed),
-- in order, and the rooms whose steps seat them (and copy them there).
local copied, seated_in = {}, {}
local function copies_change(u)
  if not seated_in[u] then
    copied[#copied + 1] = u
    seated_in[u] = {}
  end
end
-- Our sessions as Redis has them (our index of them): a device's hold we
-- no longer have goes, and u's own session we no longer have is stale.
local stale, stale_places = {}, {}
local ours = sessions_key(node)
local entries = redis.call('HGETALL', ours)
for n = 1, #entries, 2 do
  local token, u = prefix .. entries[n], entries[n + 1]
  local v = redis.call('HGET', USERS, u)
  if v and string.sub(v, 1, #token + 1) == token .. ' ' then
    if mine[u] ~= token then
      stale[#stale + 1] = u
      stale[#stale + 1] = token
    end
  elseif redis.call('SISMEMBER', holders_key(u), token) == 1 then
    if mine[u] ~= token then
      redis.call('SREM', holders_key(u), token)
      redis.call('HDEL', ours, entries[n])
      copies_change(u)
    end
  else
    redis.call('HDEL', ours, entries[n])  -- it holds u no more
  end
end
local failed, to_seat = {}, {}
for _, user in ipairs(wanted_users) do
  local u = user.u
  local v = redis.call('HGET', USERS, u)
  if user.ended then  -- released above, as no longer ours
    failed[#failed + 1] = user.token .. ' ' .. user.ended
  elseif v and not holds(u, user.token) then
    failed[#failed + 1] = user.token
  elseif redis.call('SISMEMBER', holders_key(u), user.token) == 0 then
    -- (where it is 1, a device of u's account is here: u is held, and in
    -- its rooms, elsewhere)
    redis.call('HSET', USERS, u, user.token .. ' ' .. user.name)
    session_indexed(u, user.token)
    if not v then sighted(user.name, 'online') end  -- freed while away
    if user.account ~= '' then
      redis.call('HSET', SIGNED, u, user.account)
    else
      redis.call('HDEL', SIGNED, u)
    end
    local keep = {}
    for _, r in ipairs(user.rooms) do keep[r] = true end
    for _, r in ipairs(places_of(u)) do
      if not keep[r] then stale_places[#stale_places + 1] = r .. ' ' .. u end
    end
    for _, r in ipairs(user.rooms) do
      places_add(u, r)  -- the index first
      to_seat[r] = to_seat[r] or {}
      table.insert(to_seat[r], u)
    end
    copies_change(u)
  end
end
local records = {}
for _, u in ipairs(copied) do records[u] = member_record(u) end
local steps, wanted_rooms = {}, {}
while i <= #ARGV do
  local r = ARGV[i]
  wanted_rooms[#wanted_rooms + 1] = r
  local step = {r}
  for j = 1, 7 do step[j + 1] = ARGV[i + j] end
  step[9] = list_room(r, ARGV[i + 1], node)  -- should its keys be gone
  for _, u in ipairs(to_seat[r] or {}) do
    seated_in[u][r] = true
    step[#step + 1] = u
    step[#step + 1] = records[u][1]
    step[#step + 1] = records[u][2]
  end
  steps[#steps + 1] = step
  i = i + 8
end
local copies = {}
for _, u in ipairs(copied) do
  local formers = renames_of(u)
  local rooms = {}
  for _, r in ipairs(places_of(u)) do
    -- A room's step copies u where it seats u, unless a rename is to move.
    if #formers > 0 or not seated_in[u][r] then rooms[#rooms + 1] = r end
  end
  if #rooms > 0 or #formers > 0 then
    copies[#copies + 1] = {u, records[u], rooms, formers}
  end
end
return {failed, steps, stale, stale_places, wanted_rooms, copies}
