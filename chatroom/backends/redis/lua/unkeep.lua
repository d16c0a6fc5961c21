
local due = tonumber(args.due)
for _, r in ipairs(args.rooms) do
  local until_ = tonumber(redis.call('ZSCORE', P .. 'keeping', r) or '')
  if until_ and until_ <= due then redis.call('ZREM', P .. 'keeping', r) end
end
return 'OK'
