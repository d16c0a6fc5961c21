local key = P .. 'export:' .. ARGV[2]
if redis.call('DEL', key) == 0 and ARGV[3] == '1' then return 0 end
return 1
