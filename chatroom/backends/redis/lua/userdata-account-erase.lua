
-- An account's holdings' erasure (EraseAccount): what it sent that waits
-- for others (`drops`: the other side, the entry; read first), its
-- conversations, what waits for it, its markers, settings, remembered
-- rooms and ignore list, then the account itself, last.
local a = args.change.subject.account
for _, drop in ipairs(args.drops) do
  redis.call('LREM', P .. 'waiting:' .. drop[1], 0, drop[2])
end
for _, c in ipairs(redis.call('HKEYS', P .. 'pids')) do
  local one, two = string.match(c, '^(%S+) (%S+)$')
  if one == a or two == a then
    redis.call('DEL', P .. 'talk:' .. c)
    redis.call('HDEL', P .. 'pids', c)
  end
end
redis.call('DEL', P .. 'markers:' .. a, P .. 'waiting:' .. a, P .. 'settings:' .. a,
  P .. 'account-rooms:' .. a, P .. 'account-rooms-order:' .. a,
  P .. 'ignores:' .. a, P .. 'convs:' .. a)
redis.call('HDEL', ACCOUNTS, a)
redis.call('HDEL', P .. 'mailboxes', a)
redis.call('HDEL', P .. 'app-passwords', a)
redis.call('HDEL', P .. 'bots', a)
local bound = redis.call('HGET', P .. 'oidc-of', a)
if bound then redis.call('HDEL', P .. 'oidc', bound) end
redis.call('HDEL', P .. 'oidc-of', a)
return 1
