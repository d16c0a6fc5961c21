
-- ARGV: P, the account, '1' if it must be registered ('-' no premise),
-- a token's hash whose premise says it is kept as the next ('' no
-- premise), then the operations: `keep HASH KEPT SECONDS`, `drop HASH`,
-- `all`. Checks, then keeps: `P sign-in:HASH` (the token as the core
-- encoded it, with an expiry) and `P sign-ins:ACCOUNT` (its tokens' hashes).
local account = ARGV[2]
local LISTED = P .. 'sign-ins:' .. account
local function token_key(hash) return P .. 'sign-in:' .. hash end
if ARGV[3] == '1' and redis.call('HEXISTS', ACCOUNTS, account) == 0 then
  return {0}
end
if ARGV[4] ~= '' then
  local kept = redis.call('GET', token_key(ARGV[4])) or ''
  if kept ~= ARGV[5] then return {0, kept} end
end
local i = 6
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'keep' then
    local seconds = tonumber(ARGV[i + 3])
    redis.call('SET', token_key(ARGV[i + 1]), ARGV[i + 2], 'EX', seconds)
    redis.call('SADD', LISTED, ARGV[i + 1])
    if redis.call('TTL', LISTED) < seconds then
      redis.call('EXPIRE', LISTED, seconds)
    end
    i = i + 4
  elseif op == 'drop' then
    redis.call('DEL', token_key(ARGV[i + 1]))
    redis.call('SREM', LISTED, ARGV[i + 1])
    i = i + 2
  elseif op == 'all' then
    for _, hash in ipairs(redis.call('SMEMBERS', LISTED)) do
      redis.call('DEL', token_key(hash))
    end
    redis.call('DEL', LISTED)
    i = i + 1
  else
    return redis.error_reply('no operation ' .. op .. ' of sign-in tokens')
  end
end
-- The hashes of tokens Redis let expire are let go too.
for _, hash in ipairs(redis.call('SMEMBERS', LISTED)) do
  if redis.call('EXISTS', token_key(hash)) == 0 then
    redis.call('SREM', LISTED, hash)
  end
end
return {1}
