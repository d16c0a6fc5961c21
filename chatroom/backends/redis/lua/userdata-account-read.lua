
local a = args.account
local talks, waiting = {}, {}
for _, c in ipairs(redis.call('HKEYS', P .. 'pids')) do
  local one, two = string.match(c, '^(%S+) (%S+)$')
  if one == a or two == a then
    talks[#talks + 1] = {c, redis.call('LRANGE', P .. 'talk:' .. c, 0, -1)}
    local other = two
    if one ~= a then other = one end
    local kept = redis.call('LRANGE', P .. 'waiting:' .. other, 0, -1)
    waiting[#waiting + 1] = {other, kept}
  end
end
return {numbered_rooms(), redis.call('HKEYS', ROOMS), talks, waiting}
