
return redis.call('GET', P .. 'lockdown')
