
local kept = redis.call('HGET', hooks_key(ARGV[2]), ARGV[3])
if not kept then return 'CHANGED' end
redis.call('HDEL', hooks_key(ARGV[2]), ARGV[3])
return {'OK', kept_secret(kept)}
