
-- The fields of P reports:unlogged whose entries were copied to their
-- rooms' logs (`fields`): forgotten.
redis.call('HDEL', P .. 'reports:unlogged', unpack(args.fields))
return 'OK'
