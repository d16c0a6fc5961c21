
-- Every bot account's record (what makes it a bot, as the core encodes
-- it): key, bot, key, bot...
return redis.call('HGETALL', P .. 'bots')
