
-- A room's moderation as the core decided it (chatroom.core.policy.moderation),
-- or a server admin's gift of the room: the room's step. By a member
-- (`user`, `token`: NOT_IN_ROOM or GONE if that session may not act in
-- it), or by an admin (none). Its premises (the room as read; the target
-- connected as read, by the room's copy of who holds it where it is a
-- member, and in the room or not as read; a kick's departure's own) are
-- checked first: {'CHANGED', the failed one's place} if one does not
-- hold. Then its operations, in order: the policy set, the owner, the
-- room's events, a kick (its departure published with its head, `heads`,
-- a KickHead naming the kicked session, by which its node gives it
-- Kicked), the entries it records (`keep`: the most a log keeps). An
-- invitation is told by the server's step after (MODERATED).
local c, step = args.change, args.step
local r = c.subject.room
if args.user then
  local refusal = not_a_member(args.user, args.token, r)
  if refusal then return refusal end
end
local failed = unmet(c, step)
if failed then return {'CHANGED', failed} end
for _, op in ipairs(c.ops) do
  if op.kind == 'KickMember' and unmet(op.leave, 'room') then return {'CHANGED', 0} end
end
local rk, kicks = room_key(r), 0
for _, op in ipairs(c.ops) do
  if op.kind == 'SetPolicy' then
    set_policy(r, op.policy)
    -- a secret room leaves the lobby, and comes back (watchers re-read it)
    lobby_news(r, redis.call('HGET', rk, 'name'))
  elseif op.kind == 'SetOwner' then
    set_owner(r, op.owner)
  elseif op.kind == 'Emit' then
    emit(r, op.event)
  elseif op.kind == 'KickMember' then
    kicks = kicks + 1
    for _, leaving in ipairs(op.leave.ops) do
      if leaving.kind == 'Emit' and leaving.event == op.departure then
        leaving.event = args.heads[kicks] .. leaving.event
      end
    end
    apply_in_room(op.leave, {}, 'before')
  end
end
recorded(c, r, args.keep)
return 'OK'
