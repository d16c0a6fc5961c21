
-- An account's sign-in tokens' change (chatroom.core.accounts.sign_in_tokens): its
-- premises checked ({'CHANGED', the failed one's place}: the account gone,
-- a token not kept as the core read it), then each token kept (`P
-- sign-in:HASH`, as the core encoded it, expiring at its deadline) and
-- listed (`P sign-ins:ACCOUNT`: the account's tokens' hashes), or dropped,
-- one or the account's every one. {'OK'} once applied.
local c = args.change
local LISTED = P .. 'sign-ins:' .. c.subject.account
local function token_key(hash) return P .. 'sign-in:' .. hash end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  if op.kind == 'KeepSignInToken' then
    local seconds = math.max(1, math.ceil(op['until'] - op.at))
    redis.call('SET', token_key(op.token), op.kept, 'EX', seconds)
    redis.call('SADD', LISTED, op.token)
    if redis.call('TTL', LISTED) < seconds then
      redis.call('EXPIRE', LISTED, seconds)
    end
  elseif op.kind == 'DropSignInToken' then
    redis.call('DEL', token_key(op.token))
    redis.call('SREM', LISTED, op.token)
  elseif op.kind == 'DropSignInTokens' then
    for _, hash in ipairs(redis.call('SMEMBERS', LISTED)) do
      redis.call('DEL', token_key(hash))
    end
    redis.call('DEL', LISTED)
  end
end
-- The hashes of tokens Redis let expire are let go too.
for _, hash in ipairs(redis.call('SMEMBERS', LISTED)) do
  if redis.call('EXISTS', token_key(hash)) == 0 then
    redis.call('SREM', LISTED, hash)
  end
end
return {'OK'}
