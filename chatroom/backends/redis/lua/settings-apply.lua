local key = P .. 'settings:' .. ARGV[2]
for i = 5, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
if ARGV[4] ~= '' then
  for _, s in ipairs(sessions_of(ARGV[2], ARGV[3])) do tell(s, ARGV[4]) end
end
return 'OK'
