
local sums = {0, 0, 0}
local fields = redis.call('HGETALL', P .. 'census')
for i = 1, #fields, 2 do
  local node = fields[i]
  if node ~= args.node
      and redis.call('EXISTS', P .. 'alive:' .. node, P .. 'stalled:' .. node) > 0 then
    local n = 1
    for count in string.gmatch(fields[i + 1], '%d+') do
      sums[n] = sums[n] + tonumber(count)
      n = n + 1
    end
  end
end
return sums
