
return {'OK', redis.call('LRANGE', kind_key(args.log, 'modlog'), -args.count, -1)}
