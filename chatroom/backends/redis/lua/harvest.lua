
local node, harvester = args.node, args.harvester
local lease = P .. 'harvesting:' .. node
if not args.own and redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  -- It came back meanwhile. If chunks of it were harvested, it is no
  -- longer registered, so that its next beat resumes it (RESUME).
  if redis.call('DEL', lease) == 1 then redis.call('SREM', P .. 'nodes', node) end
  return {'OK', {}, {}, 0, 0}
end
local holder = redis.call('GET', lease)
if holder and holder ~= harvester then
  return {'OK', {}, {}, 0, 0}  -- another node harvests it
end
redis.call('SET', lease, harvester, 'PX', args.lease)
local ours = sessions_key(node)
local prefix = node .. ':'
local survivors, leavers, undecided = {}, {}, {}
local chunk = redis.call('HRANDFIELD', ours, args.chunk, 'WITHVALUES')
for i = 1, #chunk, 2 do
  local conn, u = chunk[i], chunk[i + 1]
  local token = prefix .. conn
  local v = redis.call('HGET', USERS, u)
  if v and string.sub(v, 1, #token + 1) == token .. ' ' then  -- u's own
    local kept = ending_by(u, token) or let_go(u, token, '')
    if kept == nil then  -- its heir is the core's to choose: RELEASE's then
      undecided[#undecided + 1] = {u, token, redis.call('SMEMBERS', holders_key(u))}
    elseif ending_by(u, token) or not kept then
      leavers[#leavers + 1] = u
    else
      survivors[#survivors + 1] = u
    end
  elseif redis.call('SREM', holders_key(u), token) == 1 then  -- a device's
    redis.call('HDEL', P .. 'devices:' .. u, token)
    redis.call('HDEL', ours, conn)
    survivors[#survivors + 1] = u
  else
    redis.call('HDEL', ours, conn)  -- it holds u no more
  end
end
local reply = ending_all(leavers, '', '', 0, survivors)
reply[4] = 1
reply[5] = #chunk / 2
reply[6] = undecided
return reply
