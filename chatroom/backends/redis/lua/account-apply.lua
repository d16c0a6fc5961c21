
-- A decided change of an account's record (chatroom.core.accounts.accounts): its
-- premises checked first ({'CHANGED', the failed one's place}, nothing
-- written), then its operations in order: the account made, its
-- password and SCRAM keys, its mailbox, its app passwords, what makes it
-- a bot, its provider's subject bound, the account dropped (with its
-- mailbox, its binding, its app passwords, its bot's record, its read markers, the private messages kept for it and
-- its remembered rooms); and the sessions that go with it, once it is
-- written: a device signed out (SignOut: its name's other holders end),
-- the sessions an EndSessions names (as the server bans' own), each told
-- why (`ended`: the node's EndSession of each reason; `ttl`: how long a
-- node out of touch finds it listed). {'OK'}, or with sessions to end the
-- server's step of their ends (OK, the leavers, the copies to refresh:
-- the back-end runs the rest, chatroom.backends.redis.endings).
local c = args.change
local u = c.subject.account
local MAILBOXES = P .. 'mailboxes'
local APPS = P .. 'app-passwords'
local BOTS = P .. 'bots'
local OIDC, OIDC_OF = P .. 'oidc', P .. 'oidc-of'
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local record = redis.call('HGET', ACCOUNTS, u)
local mailbox = redis.call('HGET', MAILBOXES, u) or ''
local apps = redis.call('HGET', APPS, u) or ''
local bot = redis.call('HGET', BOTS, u) or ''
local bound = redis.call('HGET', OIDC_OF, u) or ''
local was_bound = bound
local name, hash, scram = '', '', ''
if record then name, hash, scram = string.match(record, '^(%S+) (%S+) ?(%S*)$') end
local dropped = false
local outs, ends = {}, {}
for _, op in ipairs(c.ops) do
  local kind = op.kind
  if kind == 'MakeAccount' then
    name, hash, scram, mailbox, bound, apps, dropped = op.name, '', '', '', '', '', false
    bot = ''
  elseif kind == 'SetPassword' then
    hash, scram = op.hash, op.scram
  elseif kind == 'SetScramKeys' then
    scram = op.scram
  elseif kind == 'SetMailbox' then
    mailbox = op.mailbox
  elseif kind == 'BindOidc' then
    bound = op.oidc
  elseif kind == 'SetAppPasswords' then
    apps = op.app_passwords
  elseif kind == 'SetBot' then
    bot = op.bot
  elseif kind == 'DropAccount' then
    dropped = true
  elseif kind == 'SignOut' then
    outs[#outs + 1] = op
  elseif kind == 'EndSessions' then
    ends[#ends + 1] = op
  else
    return redis.error_reply('no operation ' .. kind .. ' of an account')
  end
end
if dropped then
  redis.call('DEL', P .. 'markers:' .. u, P .. 'waiting:' .. u, P .. 'settings:' .. u,
    P .. 'account-rooms:' .. u, P .. 'account-rooms-order:' .. u,
    P .. 'ignores:' .. u, P .. 'convs:' .. u)
  redis.call('HDEL', ACCOUNTS, u)
  redis.call('HDEL', MAILBOXES, u)
  redis.call('HDEL', APPS, u)
  redis.call('HDEL', BOTS, u)
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
  if bot == '' then
    redis.call('HDEL', BOTS, u)
  else
    redis.call('HSET', BOTS, u, bot)
  end
  if was_bound ~= bound and was_bound ~= '' then redis.call('HDEL', OIDC, was_bound) end
  if bound == '' then
    redis.call('HDEL', OIDC_OF, u)
  else
    redis.call('HSET', OIDC_OF, u, bound)
    redis.call('HSET', OIDC, bound, u)
  end
end
if #outs == 0 and #ends == 0 then return {'OK'} end
for _, out in ipairs(outs) do
  if redis.call('HGET', SIGNED, out.holder) == u then
    redis.call('HDEL', SIGNED, out.holder)
    for _, held in ipairs(sessions_of(out.holder, out.token)) do
      tell_ended(held, out.told, args.ended[out.told], args.ttl)
    end
  end
end
local users, covered, told = {}, {}, ''
for _, e in ipairs(ends) do
  cover_end(e.holder, e.account, users, covered)
  told = e.told
end
return ending_all(users, told, args.ended[told] or '', args.ttl, {})
