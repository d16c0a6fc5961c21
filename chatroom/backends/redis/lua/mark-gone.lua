
-- Sessions whose connections are gone, their node's releases still to come
-- (`changes`, each a MarkGone as the core decided it: chatroom.core.
-- services.claims.marked_gone; the ones a node lost in one turn). Each is
-- kept as u -> its token, a space and why (P gone) once its premises hold
-- (the session holds u alone), until u's name is freed (unname), for a
-- claim's facts on any node (claim.lua). {'OK', then for each change 0 if
-- kept, else the place of its premise that failed (nothing written)}.
local answers = {'OK'}
for _, c in ipairs(args.changes) do
  local failed = unmet(c)
  if failed then
    answers[#answers + 1] = failed
  else
    local op = c.ops[1]
    redis.call('HSET', P .. 'gone', c.subject.name, op.token .. ' ' .. op.reason)
    answers[#answers + 1] = 0
  end
end
return answers
