
-- A room's messages' change that appends: a member's message or tags-only
-- message (`user`, `token`: it may speak there, or, for a message from
-- outside, the room takes them), a quiet member's JOIN shown first
-- (Announce); or a webhook's post (no user: NO_SUCH_ROOM if the room is
-- gone). Its premises checked, never decided: if one fails, {'CHANGED',
-- the failed one's place, 1 if the speaker is quiet, 1 if the room is
-- moderated}, for the node to decide again. The message gets the room's
-- next id, and is published and kept as one (said: its newest `retention`
-- events, those said before the Append's `oldest` gone). Answers {'OK',
-- id, seq}: the message's id and its place in the room's channel.
-- `keyed` (a keyed line's, /txn): its key checked first (key_done) and
-- kept with it (key_keep); `held` too (behind --redis-replicas): the
-- message is held with its key (key_hold), unnumbered (id and seq 0),
-- until the node's WAIT confirms it and publish-held.lua says it.
local c, u = args.change, args.user
local r = c.subject.room
local keyed = nil  -- a keyed line's key (/txn): done already, whatever since
if args.keyed then
  local done
  done, keyed = key_done(c, r)
  if done then return done end
end
local outside = false
for _, op in ipairs(c.ops) do
  if op.kind == 'Append' and op.outside then outside = true end
end
if u then
  local refusal = not_a_member(u, args.token, r)
  if refusal and not (outside and refusal == 'NOT_IN_ROOM') then return refusal end
elseif redis.call('EXISTS', room_key(r)) == 0 then
  return 'NO_SUCH_ROOM'
end
local failed = unmet(c)
if failed then
  local quiet, moderated = 0, 0
  if u then quiet = redis.call('SISMEMBER', quiet_key(r), u) end
  if redis.call('HGET', room_key(r), 'moderated') == '1' then moderated = 1 end
  return {'CHANGED', failed, quiet, moderated}
end
local id, seq
for _, op in ipairs(c.ops) do
  if op.kind == 'Announce' then
    emit(r, op.event)
    redis.call('SREM', quiet_key(r), op.user)
  elseif op.kind == 'Append' and args.held then  -- said once confirmed
    key_hold(keyed, r, op.event)
    id, seq = 0, 0
  elseif op.kind == 'Append' then
    id, seq = said(r, op.event, args.retention, op.oldest)
  end
end
if keyed and not args.held then key_keep(keyed, r, id) end
return {'OK', id, seq}
