
-- A room's call's change (chatroom.backends.redis.room_calls), on the
-- room's slot: {'CHANGED', the failed premise's place} if the call is not
-- as the core read it (CallIs, Participants); else each operation in order
-- (StartCall, JoinCall, LeaveCall, RenameParticipant, EndCall), the call
-- kept under its key
-- while it has participants and dropped when it ends. Answers 'OK'.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local ck = call_key(c.subject.room)
local kept = redis.call('GET', ck)
local call = kept and cjson.decode(kept) or nil
for _, op in ipairs(c.ops) do
  if op.kind == 'StartCall' then
    call = {room = op.name, call = op.call, since = op.since, participants = {op.by}}
  elseif op.kind == 'JoinCall' and call then
    call.participants[#call.participants + 1] = op.participant
  elseif op.kind == 'LeaveCall' and call then
    local staying = {}
    for _, q in ipairs(call.participants) do
      if q.user ~= op.user then staying[#staying + 1] = q end
    end
    call.participants = staying
  elseif op.kind == 'RenameParticipant' and call then
    for i, q in ipairs(call.participants) do
      if q.user == op.user then call.participants[i] = op.participant end
    end
  elseif op.kind == 'EndCall' then
    call = nil
  end
end
if call and #call.participants > 0 then
  redis.call('SET', ck, cjson.encode(call))
else
  redis.call('DEL', ck)
end
return 'OK'
