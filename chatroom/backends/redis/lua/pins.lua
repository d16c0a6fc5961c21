
return redis.call('HGETALL', pins_key(args.room))
