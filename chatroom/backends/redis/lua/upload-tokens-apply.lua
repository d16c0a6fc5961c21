
-- An account's upload tokens' change: its premises checked ({'CHANGED',
-- the failed one's place}), then each token given, kept with a Redis
-- expiry (`seconds`, one for each operation: its deadline on the node's
-- clock) and listed as the account's (IssueToken), or every token listed
-- as the account's gone (RevokeTokens).
local c = args.change
local account = c.subject.account
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local listed = P .. 'upload-tokens:' .. account
for i, op in ipairs(c.ops) do
  if op.kind == 'IssueToken' then
    local seconds = args.seconds[i]
    redis.call('SET', P .. 'upload-token:' .. op.token, account, 'EX', seconds)
    redis.call('SADD', listed, op.token)
    redis.call('EXPIRE', listed, seconds)
  elseif op.kind == 'RevokeTokens' then
    for _, token in ipairs(redis.call('SMEMBERS', listed)) do
      redis.call('DEL', P .. 'upload-token:' .. token)
    end
    redis.call('DEL', listed)
  end
end
return {'OK'}
