
-- ARGV: P, then the fields of P reports:unlogged whose entries were
-- copied to their rooms' logs: forgotten.
redis.call('HDEL', P .. 'reports:unlogged', unpack(ARGV, 2))
return 'OK'
