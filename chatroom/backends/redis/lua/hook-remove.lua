
local kept = redis.call('HGET', hooks_key(ARGV[2]), ARGV[3])
if not kept then return false end
redis.call('HDEL', hooks_key(ARGV[2]), ARGV[3])
return kept_secret(kept)
