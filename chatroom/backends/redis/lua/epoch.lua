
if redis.call('SET', P .. 'epoch', ARGV[2], 'NX') then
  redis.call('SET', P .. 'keeping-indexed', '1')  -- a new store: nothing waits
end
return redis.call('GET', P .. 'epoch')
