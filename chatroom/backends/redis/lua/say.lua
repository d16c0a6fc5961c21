
local r, u, outside = ARGV[2], ARGV[3], ARGV[11] == '1'
local refusal = not_a_member(u, ARGV[4], r)
if refusal and not (outside and refusal == 'NOT_IN_ROOM') then return refusal end
local premises_hold
if ARGV[9] == '' then
  premises_hold = redis.call('HGET', room_key(r), 'moderated') ~= '1'
else
  premises_hold = unchanged(r, ARGV[9], ARGV[10])
end
local quiet = 0
if not outside then quiet = redis.call('SISMEMBER', quiet_key(r), u) end
if not premises_hold or (not outside and (ARGV[8] ~= '') ~= (quiet == 1)) then
  local moderated = 0
  if redis.call('HGET', room_key(r), 'moderated') == '1' then moderated = 1 end
  return {'CHANGED', quiet, moderated}
end
if quiet == 1 then
  emit(r, ARGV[8])
  redis.call('SREM', quiet_key(r), u)
end
return {'OK', said(r, ARGV[5], ARGV[6], ARGV[7])}
