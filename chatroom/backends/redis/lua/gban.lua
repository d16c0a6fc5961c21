
-- ARGV: mask, the reason its sessions are told ('': end none), its terms
-- as the core encoded them ('': none), and the order every node hears
-- ('': none; a network ban's, for the nodes' own connections).
local mask, reason, terms, order = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('ZSCORE', GBANS, mask) then return {'OK', {}, {}, 0} end
redis.call('ZADD', GBANS, 'NX', redis.call('INCR', P .. 'counter'), mask)
if terms ~= '' then redis.call('HSET', GBAN_TERMS, mask, terms) end
if order ~= '' then
  for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
    redis.call(PUB, P .. 'node:' .. node, '* ' .. order)
  end
end
local users = {}
if reason == '' then
  users = {}
elseif string.sub(mask, 1, 5) == 'name:' then
  local u = string.sub(mask, 6)
  if redis.call('HEXISTS', USERS, u) == 1 then users = {u} end
elseif string.sub(mask, 1, 8) == 'account:' then
  local account = string.sub(mask, 9)
  local signed = redis.call('HGETALL', SIGNED)
  for i = 1, #signed, 2 do
    if signed[i + 1] == account then users[#users + 1] = signed[i] end
  end
end
local reply = ending_all(users, reason, {})
reply[4] = 1
return reply
