
if redis.call('SET', P .. 'epoch', args.epoch, 'NX') then
  redis.call('SET', P .. 'keeping-indexed', '1')  -- a new store: nothing waits
  redis.call('SET', P .. 'sessions-indexed', '1')  -- and no node has sessions
end
return redis.call('GET', P .. 'epoch')
