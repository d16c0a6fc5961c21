
local kept = redis.call('HGET', hooks_key(args.room), args.name)
if kept and kept_secret(kept) == args.secret then return 1 end
return 0
