return redis.call('HGETALL', P .. 'mailboxes')
