local node = args.node
local ours = sessions_key(node)
local prefix = node .. ':'
local stale, copies = {}, {}
for _, entry in ipairs(args.drop) do
  local conn, u = entry[1], entry[2]
  if redis.call('HGET', ours, conn) == u then  -- (else let go meanwhile)
    local token = prefix .. conn
    local v = redis.call('HGET', USERS, u)
    if v and string.sub(v, 1, #token + 1) == token .. ' ' then
      stale[#stale + 1] = u  -- u's own session: the node releases it
      stale[#stale + 1] = token
    elseif redis.call('SREM', holders_key(u), token) == 1 then
      redis.call('HDEL', ours, conn)  -- a device's hold: it goes
      local formers = renames_of(u)
      local rooms = places_of(u)
      if #rooms > 0 or #formers > 0 then
        copies[#copies + 1] = {u, member_record(u), rooms, formers}
      end
    else
      redis.call('HDEL', ours, conn)  -- it holds u no more
    end
  end
end
local page = {'0', {}}
if args.cursor ~= '' then
  page = redis.call('HSCAN', ours, args.cursor, 'COUNT', args.count)
end
return {page[1], page[2], stale, copies}
