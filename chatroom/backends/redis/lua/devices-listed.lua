
local key = P .. 'devices:' .. args.account
local fields = redis.call('HGETALL', key)
local reply = {}
for i = 1, #fields, 2 do
  if not holds(args.account, fields[i]) then
    redis.call('HDEL', key, fields[i])
  elseif fields[i] ~= args.token then
    reply[#reply + 1] = fields[i + 1]
  end
end
return reply
