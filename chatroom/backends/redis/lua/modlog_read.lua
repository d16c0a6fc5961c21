
return {'OK', redis.call('LRANGE', modlog_key(args.log), -args.count, -1)}
