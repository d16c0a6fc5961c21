
-- Each session whose connection is gone (u, token, the departure's reason)
-- is marked so while it still holds u alone: a claim of u on another node
-- then ends it (CLAIM's LOST) instead of waiting for its node's release.
for i = 2, #ARGV, 3 do
  local u, token = ARGV[i], ARGV[i + 1]
  if holds(u, token) and redis.call('SCARD', holders_key(u)) == 0 then
    redis.call('HSET', P .. 'gone', u, token .. ' ' .. ARGV[i + 2])
  end
end
return 'OK'
