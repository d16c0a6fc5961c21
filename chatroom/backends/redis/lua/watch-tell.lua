
redis.call(PUB, P .. 'watch', args.news)
return 'OK'
