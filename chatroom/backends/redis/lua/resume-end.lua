local node = args.node
redis.call('DEL', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
return 1
