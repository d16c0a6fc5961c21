
return {'OK', redis.call('LRANGE', modlog_key(ARGV[2]), -tonumber(ARGV[3]), -1)}
