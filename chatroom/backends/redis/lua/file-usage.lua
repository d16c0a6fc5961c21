
return tonumber(redis.call('GET', P .. 'file-usage:' .. ARGV[2]) or '0')
