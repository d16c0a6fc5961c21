
-- ARGV: P, the code's hash, what its premise says is kept ('-': no
-- premise; '' none), what it keeps after ('' for gone). Checks, then keeps.
local INVITATIONS = P .. 'invitations'
local code, expected, after = ARGV[2], ARGV[3], ARGV[4]
local kept = redis.call('HGET', INVITATIONS, code) or ''
if expected ~= '-' and kept ~= expected then
  return {0, kept}
end
if after == '' then
  redis.call('HDEL', INVITATIONS, code)
else
  redis.call('HSET', INVITATIONS, code, after)
end
return {1}
