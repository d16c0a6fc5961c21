
local rk, count = reactions_key(ARGV[2]), ARGV[3]
local given = count .. ' ' .. ARGV[4]
local read = redis.call('HMGET', rk, count, given, given .. ' ' .. ARGV[5])
return {tonumber(read[1] or '0'), read[2] and 1 or 0, read[3] and 1 or 0}
