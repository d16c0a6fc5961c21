
local node = ARGV[2]
if ARGV[3] ~= '1' and redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  return {'OK', {}, {}, 0}  -- it came back meanwhile
end
local prefix = node .. ':'
local survivors, leavers = {}, {}
for _, u in ipairs(redis.call('SMEMBERS', P .. 'held')) do
  local gone = false
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    if string.sub(token, 1, #prefix) == prefix then
      redis.call('SREM', holders_key(u), token)
      redis.call('HDEL', P .. 'devices:' .. u, token)
      gone = true
    end
  end
  if redis.call('SCARD', holders_key(u)) == 0 then
    redis.call('SREM', P .. 'held', u)
  end
  if gone then survivors[#survivors + 1] = u end
end
local users = redis.call('HGETALL', USERS)
for i = 1, #users, 2 do
  local v = users[i + 1]
  if string.sub(v, 1, #prefix) == prefix then
    local token = string.sub(v, 1, string.find(v, ' ', 1, true) - 1)
    if ending_by(users[i], token) or not let_go(users[i], token) then
      leavers[#leavers + 1] = users[i]
    else
      survivors[#survivors + 1] = users[i]
    end
  end
end
local reply = ending_all(leavers, '', survivors)
reply[4] = 1
return reply
