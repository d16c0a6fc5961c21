
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
  return {'CHANGED', 'exists'}
end
if ARGV[4] ~= '-' and (not record or hash ~= ARGV[4]) then
  return {'CHANGED', 'hash'}
end
if ARGV[5] ~= '-' and (not record or mailbox ~= ARGV[5]) then
  return {'CHANGED', 'mailbox'}
end
if ARGV[6] ~= '-' then
  local holder = redis.call('HGET', OIDC, ARGV[6])
  if holder and redis.call('HGET', OIDC_OF, holder) == ARGV[6] then
    return {'CHANGED', 'oidc'}
  end
end
if ARGV[7] ~= '-' and (not record or apps ~= ARGV[7]) then
  return {'CHANGED', 'apps'}
end
local dropped, i = false, 8
local outs, ends = {}, {}
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
  elseif op == 'signout' or op == 'end' then
    local taken = op == 'signout' and outs or ends
    taken[#taken + 1] = {ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]}
    i = i + 6
  else
    return redis.error_reply('no operation ' .. op)
  end
end
if dropped then
  redis.call('DEL', P .. 'markers:' .. u, P .. 'waiting:' .. u, P .. 'settings:' .. u,
    P .. 'account-rooms:' .. u, P .. 'account-rooms-order:' .. u,
    P .. 'ignores:' .. u, P .. 'convs:' .. u)
  redis.call('HDEL', ACCOUNTS, u)
  redis.call('HDEL', MAILBOXES, u)
  redis.call('HDEL', APPS, u)
  redis.call('HDEL', OIDC_OF, u)
  if was_bound ~= '' then redis.call('HDEL', OIDC, was_bound) end
else
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
end
-- The sessions that go with the account, once it is written: each one
-- signed out (its name key, its token, the reason, order and ttl its other
-- holders end with: devices of its seat on other nodes), then the ends,
-- as a ban's (chatroom.core.changes.EndSessions), which no longer find
-- those signed out.
if #outs == 0 and #ends == 0 then return {'OK'} end
for _, out in ipairs(outs) do
  if redis.call('HGET', SIGNED, out[1]) == u then
    redis.call('HDEL', SIGNED, out[1])
    for _, held in ipairs(sessions_of(out[1], out[2])) do
      tell_ended(held, out[3], out[4], out[5])
    end
  end
end
local users, covered, told = {}, {}, {'', '', 0}
for _, e in ipairs(ends) do
  cover_end(e[1], e[2], users, covered)
  told = {e[3], e[4], e[5]}
end
return ending_all(users, told[1], told[2], told[3], {})
