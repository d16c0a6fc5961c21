
-- A session's connection is gone, its node's release of it still to come
-- (MarkGone, as the core decided it: chatroom.core.services.claims.
-- marked_gone): kept as u -> its token, a space and why (P gone) once its
-- premises hold (the session holds u alone), until u's name is freed
-- (unname), for a claim's facts on any node (claim.lua). If a premise
-- fails, {'CHANGED', its place}, nothing written.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local op = c.ops[1]
redis.call('HSET', P .. 'gone', c.subject.name, op.token .. ' ' .. op.reason)
return 'OK'
