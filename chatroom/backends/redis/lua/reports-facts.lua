
-- Operands: filed (a key reports are filed under; '': not asked), number
-- (0: not asked). The last number, 1 if that key is filed, the report kept.
local reports = P .. 'reports'
local filed = 0
if args.filed ~= '' then filed = redis.call('SISMEMBER', reports .. ':filed', args.filed) end
return {
  redis.call('GET', reports .. ':last') or '0',
  filed,
  redis.call('HGET', reports, args.number) or '',
}
