
if redis.call('HGET', P .. 'renaming', ARGV[2]) ~= ARGV[3] then return 0 end
return redis.call('HDEL', P .. 'renaming', ARGV[2])
