
return redis.call('GET', P .. 'sign-in:' .. ARGV[2]) or ''
