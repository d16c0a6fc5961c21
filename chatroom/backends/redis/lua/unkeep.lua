
local due = tonumber(ARGV[2])
for i = 3, #ARGV do
  local until_ = tonumber(redis.call('ZSCORE', P .. 'keeping', ARGV[i]) or '')
  if until_ and until_ <= due then redis.call('ZREM', P .. 'keeping', ARGV[i]) end
end
return 'OK'
