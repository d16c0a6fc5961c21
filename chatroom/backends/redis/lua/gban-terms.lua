
return redis.call('HGETALL', GBAN_TERMS)
