
if ARGV[7] == '1' and redis.call('HEXISTS', ACCOUNTS, ARGV[2]) == 0 then return 'gone' end
if ARGV[8] ~= '' and redis.call('HEXISTS', ACCOUNTS, ARGV[8]) == 0 then
  return 'sender gone'
end
if redis.call('HEXISTS', USERS, ARGV[2]) == 1 then return 'online' end
local key = P .. 'waiting:' .. ARGV[2]
if redis.call('LLEN', key) >= tonumber(ARGV[4]) then return 'full' end
redis.call('RPUSH', key, ARGV[3])
if ARGV[5] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[5], ARGV[6])) do tell(s, ARGV[3]) end
end
return 'kept'
