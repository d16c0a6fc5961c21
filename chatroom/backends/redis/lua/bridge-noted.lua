
-- The Matrix bridge's note under args.key in book args.book, or false.
return redis.call('GET', P .. 'bridge:' .. args.book .. ':' .. args.key)
  or redis.call('HGET', P .. 'bridge:' .. args.book, args.key)
