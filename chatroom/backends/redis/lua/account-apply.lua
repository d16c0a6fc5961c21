
local u = ARGV[2]
local record = redis.call('HGET', ACCOUNTS, u)
local name, hash, scram = '', '', ''
if record then name, hash, scram = string.match(record, '^(%S+) (%S+) ?(%S*)$') end
if ARGV[3] ~= '-' and ARGV[3] ~= (record and '1' or '0') then
  return {0, 'exists', record or ''}
end
if ARGV[4] ~= '-' and (not record or hash ~= ARGV[4]) then
  return {0, 'hash', record or ''}
end
local dropped, i = false, 5
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'make' then
    name, hash, scram, dropped = ARGV[i + 1], '', '', false
    i = i + 2
  elseif op == 'password' then
    hash, scram = ARGV[i + 1], ARGV[i + 2]
    i = i + 3
  elseif op == 'scram' then
    scram = ARGV[i + 1]
    i = i + 2
  elseif op == 'drop' then
    dropped = true
    i = i + 1
  else
    return redis.error_reply('no operation ' .. op)
  end
end
if dropped then
  redis.call('DEL', P .. 'markers:' .. u, P .. 'waiting:' .. u, P .. 'settings:' .. u,
    P .. 'account-rooms:' .. u, P .. 'account-rooms-order:' .. u)
  redis.call('HDEL', ACCOUNTS, u)
elseif scram == '' then
  redis.call('HSET', ACCOUNTS, u, name .. ' ' .. hash)
else
  redis.call('HSET', ACCOUNTS, u, name .. ' ' .. hash .. ' ' .. scram)
end
return {1}
