
redis.call('SET', P .. 'upload-token:' .. ARGV[2], ARGV[3], 'EX', ARGV[4])
return 1
