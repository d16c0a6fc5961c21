
redis.call('SET', P .. 'search', '1')
return 'OK'
