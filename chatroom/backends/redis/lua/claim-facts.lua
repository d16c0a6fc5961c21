
local registered = 0
if args.name ~= '' then registered = redis.call('HEXISTS', ACCOUNTS, args.name) end
local banned = 0
for _, mask in ipairs(args.masks) do
  if redis.call('ZSCORE', GBANS, mask) then banned = 1 end
end
return {registered, banned}
