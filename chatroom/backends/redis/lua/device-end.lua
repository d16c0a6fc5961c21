
local key = P .. 'devices:' .. args.account
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  local token = fields[i]
  if token ~= args.token and holds(args.account, token) then
    for number in string.gmatch(fields[i + 1], '(%d+) [^,]*') do
      if number == tostring(args.number) then
        local colon = string.find(token, ':', 1, true)
        tell({node = string.sub(token, 1, colon - 1),
              conn = string.sub(token, colon + 1)}, args.order)
        return 1
      end
    end
  end
end
return 0
