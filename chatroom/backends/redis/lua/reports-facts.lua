
-- ARGV: P, a key reports are filed under ('': not asked), a number ('0':
-- not asked). The last number, 1 if that key is filed, the report kept.
local reports = P .. 'reports'
local filed = 0
if ARGV[2] ~= '' then filed = redis.call('SISMEMBER', reports .. ':filed', ARGV[2]) end
return {
  redis.call('GET', reports .. ':last') or '0',
  filed,
  redis.call('HGET', reports, ARGV[3]) or '',
}
