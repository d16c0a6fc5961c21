local node = ARGV[2]
redis.call('DEL', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
return 1
