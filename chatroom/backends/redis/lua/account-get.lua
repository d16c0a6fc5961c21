
local u = args.account
return {redis.call('HGET', ACCOUNTS, u), redis.call('HGET', P .. 'mailboxes', u),
  redis.call('HGET', P .. 'oidc-of', u), redis.call('HGET', P .. 'app-passwords', u),
  redis.call('HGET', P .. 'bots', u)}
