
redis.call('HDEL', GBAN_TERMS, ARGV[2])
return redis.call('ZREM', GBANS, ARGV[2])
