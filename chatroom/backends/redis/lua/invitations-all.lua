
return redis.call('HGETALL', P .. 'invitations')
