
local listed = P .. 'upload-tokens:' .. ARGV[2]
for _, token in ipairs(redis.call('SMEMBERS', listed)) do
  redis.call('DEL', P .. 'upload-token:' .. token)
end
redis.call('DEL', listed)
return 1
