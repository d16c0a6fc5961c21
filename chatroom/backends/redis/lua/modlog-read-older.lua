
return {'OK', redis.call('LRANGE', kind_key(ARGV[2], 'modlog'), -tonumber(ARGV[3]), -1)}
