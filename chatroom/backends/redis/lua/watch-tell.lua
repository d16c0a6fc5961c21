
redis.call(PUB, P .. 'watch', ARGV[2])
return 'OK'
