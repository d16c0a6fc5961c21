
-- The Matrix bridge's note under args.key in book args.book, or false.
return redis.call('GET', P .. 'bridge:' .. args.book .. ':' .. args.key)
