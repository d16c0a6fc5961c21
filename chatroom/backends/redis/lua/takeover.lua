
local u, token, old = ARGV[2], ARGV[3], ARGV[4]
if old ~= '' and not holds(old, token) then return {'GONE'} end
if redis.call('HEXISTS', USERS, u) == 0 or holds(u, token) then
  return {'OK', {}, {}}
end
return ending_all({u}, ARGV[5], ARGV[6], ARGV[7], {})
