
-- ARGV: P, account, then pairs of '+' or '-' and a name key.
local key = P .. 'ignores:' .. ARGV[2]
for i = 3, #ARGV, 2 do
  if ARGV[i] == '+' then
    redis.call('SADD', key, ARGV[i + 1])
  else
    redis.call('SREM', key, ARGV[i + 1])
  end
end
return 1
