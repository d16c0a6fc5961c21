
local u = ARGV[2]
local MAILBOXES = P .. 'mailboxes'
local APPS = P .. 'app-passwords'
local OIDC, OIDC_OF = P .. 'oidc', P .. 'oidc-of'
local record = redis.call('HGET', ACCOUNTS, u)
local mailbox = redis.call('HGET', MAILBOXES, u) or ''
local apps = redis.call('HGET', APPS, u) or ''
local bound = redis.call('HGET', OIDC_OF, u) or ''
local was_bound = bound
local name, hash, scram = '', '', ''
if record then name, hash, scram = string.match(record, '^(%S+) (%S+) ?(%S*)$') end
if ARGV[3] ~= '-' and ARGV[3] ~= (record and '1' or '0') then
  return {0, 'exists'}
end
if ARGV[4] ~= '-' and (not record or hash ~= ARGV[4]) then
  return {0, 'hash'}
end
if ARGV[5] ~= '-' and (not record or mailbox ~= ARGV[5]) then
  return {0, 'mailbox'}
end
if ARGV[6] ~= '-' then
  local holder = redis.call('HGET', OIDC, ARGV[6])
  if holder and redis.call('HGET', OIDC_OF, holder) == ARGV[6] then
    return {0, 'oidc'}
  end
end
if ARGV[7] ~= '-' and (not record or apps ~= ARGV[7]) then
  return {0, 'apps'}
end
local dropped, i = false, 8
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'make' then
    name, hash, scram, mailbox, bound, apps, dropped =
      ARGV[i + 1], '', '', '', '', '', false
    i = i + 2
  elseif op == 'password' then
    hash, scram = ARGV[i + 1], ARGV[i + 2]
    i = i + 3
  elseif op == 'scram' then
    scram = ARGV[i + 1]
    i = i + 2
  elseif op == 'mailbox' then
    mailbox = ARGV[i + 1]
    i = i + 2
  elseif op == 'oidc' then
    bound = ARGV[i + 1]
    i = i + 2
  elseif op == 'apps' then
    apps = ARGV[i + 1]
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
    P .. 'account-rooms:' .. u, P .. 'account-rooms-order:' .. u,
    P .. 'ignores:' .. u)
  redis.call('HDEL', ACCOUNTS, u)
  redis.call('HDEL', MAILBOXES, u)
  redis.call('HDEL', APPS, u)
  redis.call('HDEL', OIDC_OF, u)
  if was_bound ~= '' then redis.call('HDEL', OIDC, was_bound) end
  return {1}
end
if scram == '' then
  redis.call('HSET', ACCOUNTS, u, name .. ' ' .. hash)
else
  redis.call('HSET', ACCOUNTS, u, name .. ' ' .. hash .. ' ' .. scram)
end
if mailbox == '' then
  redis.call('HDEL', MAILBOXES, u)
else
  redis.call('HSET', MAILBOXES, u, mailbox)
end
if apps == '' then
  redis.call('HDEL', APPS, u)
else
  redis.call('HSET', APPS, u, apps)
end
if was_bound ~= bound and was_bound ~= '' then redis.call('HDEL', OIDC, was_bound) end
if bound == '' then
  redis.call('HDEL', OIDC_OF, u)
else
  redis.call('HSET', OIDC_OF, u, bound)
  redis.call('HSET', OIDC, bound, u)
end
return {1}
