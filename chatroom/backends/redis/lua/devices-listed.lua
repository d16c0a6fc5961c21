
local key = P .. 'devices:' .. ARGV[2]
local fields = redis.call('HGETALL', key)
local reply = {}
for i = 1, #fields, 2 do
  if not holds(ARGV[2], fields[i]) then
    redis.call('HDEL', key, fields[i])
  elseif fields[i] ~= ARGV[3] then
    reply[#reply + 1] = fields[i + 1]
  end
end
return reply
