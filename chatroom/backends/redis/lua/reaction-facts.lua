
local rk, count = reactions_key(args.room), args.target
local given = count .. ' ' .. args.reaction
local read = redis.call('HMGET', rk, count, given, given .. ' ' .. args.user)
return {tonumber(read[1] or '0'), read[2] and 1 or 0, read[3] and 1 or 0}
