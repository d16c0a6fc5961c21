
redis.call('SET', P .. 'lockdown', ARGV[2])
return 1
