
-- Sessions gone (disconnected; or, for a resuming node, gone while it was
-- away): `changes`, each a name's holding's LetGo, the session that lets
-- go of the name and the heir the core chose where devices hold it too
-- (resting on those devices as read). The server's step of their ends
-- (chatroom.backends.redis.endings): a session that is not the last
-- holder of its user lets go (a device's, or u's own handing u to its
-- heir, whose rooms' copies are then refreshed); the last one's user
-- leaves its rooms and gives up its name, or goes on doing so if that
-- session's end was cut short (ending_by). Answers OK, the leavers, the
-- copies to refresh, and the undecided: {u, token, its devices' sessions}
-- of each own session whose heir the core is to choose (none chosen, or
-- its devices not as read), left as they were.
local leavers, survivors, undecided = {}, {}, {}
for _, c in ipairs(args.changes) do
  local u = c.subject.name
  for _, op in ipairs(c.ops) do
    if ending_by(u, op.token) then
      leavers[#leavers + 1] = u
    elseif holds(u, op.token) then
      local kept
      if not unmet(c) then kept = let_go(u, op.token, op.heir) end
      if kept == nil then
        undecided[#undecided + 1] = {u, op.token, redis.call('SMEMBERS', holders_key(u))}
      elseif kept then
        survivors[#survivors + 1] = u
      else
        leavers[#leavers + 1] = u
      end
    end
  end
end
local reply = ending_all(leavers, '', '', 0, survivors)
reply[4] = undecided
return reply
