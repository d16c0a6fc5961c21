
return redis.call('GET', P .. 'upload-token:' .. ARGV[2]) or ''
