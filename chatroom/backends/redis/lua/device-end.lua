
local key = P .. 'devices:' .. ARGV[2]
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  local token = fields[i]
  if token ~= ARGV[3] and holds(ARGV[2], token) then
    for number in string.gmatch(fields[i + 1], '(%d+) [^,]*') do
      if number == ARGV[4] then
        local colon = string.find(token, ':', 1, true)
        tell({node = string.sub(token, 1, colon - 1),
              conn = string.sub(token, colon + 1)}, ARGV[5])
        return 1
      end
    end
  end
end
return 0
