return redis.call('HGETALL', pins_key(ARGV[2]))
