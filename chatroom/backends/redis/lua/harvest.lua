
local node, harvester = ARGV[2], ARGV[5]
local lease = P .. 'harvesting:' .. node
if ARGV[3] ~= '1' and redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  -- It came back meanwhile. If chunks of it were harvested, it is no
  -- longer registered, so that its next beat resumes it (RESUME).
  if redis.call('DEL', lease) == 1 then redis.call('SREM', P .. 'nodes', node) end
  return {'OK', {}, {}, 0, 0}
end
local holder = redis.call('GET', lease)
if holder and holder ~= harvester then
  return {'OK', {}, {}, 0, 0}  -- another node harvests it
end
redis.call('SET', lease, harvester, 'PX', ARGV[6])
local ours = sessions_key(node)
local prefix = node .. ':'
local survivors, leavers = {}, {}
local chunk = redis.call('HRANDFIELD', ours, ARGV[4], 'WITHVALUES')
for i = 1, #chunk, 2 do
  local conn, u = chunk[i], chunk[i + 1]
  local token = prefix .. conn
  local v = redis.call('HGET', USERS, u)
  if v and string.sub(v, 1, #token + 1) == token .. ' ' then  -- u's own
    if ending_by(u, token) or not let_go(u, token) then
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
local reply = ending_all(leavers, '', survivors)
reply[4] = 1
reply[5] = #chunk / 2
return reply
