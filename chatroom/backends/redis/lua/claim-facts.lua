
local registered = 0
if ARGV[2] ~= '' then registered = redis.call('HEXISTS', ACCOUNTS, ARGV[2]) end
local banned = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', GBANS, ARGV[i]) then banned = 1 end
end
return {registered, banned}
