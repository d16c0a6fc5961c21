
local kept = redis.call('HGET', hooks_key(ARGV[2]), ARGV[3])
if kept and kept_secret(kept) == ARGV[4] then return 1 end
return 0
