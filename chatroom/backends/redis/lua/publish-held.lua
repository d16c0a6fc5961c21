
-- A keyed message held by say.lua or private-append.lua (`held`: key_hold)
-- said now that the node's WAIT says the replicas have it: sender
-- `args.sender`'s key `args.key` in room `args.room` ('' for the server's
-- slot: a private message's, said in conversation `args.conversation`).
-- What it rests on is read again first, as the script that held it read
-- it, for whatever changed while it was held: `args.change`, the change
-- held (or its repeat's, decided again), its premises (unmet: a private
-- message's parties' accounts registered still; a room's not moderated,
-- its speaker's quiet as decided), and a room's speaker `args.user`,
-- session `args.token`, its member still (not_a_member: the room deleted,
-- the speaker kicked or banned meanwhile). One that fails answers as the
-- holding script would have: 'NOT_IN_ROOM' (or 'GONE'), {'CHANGED', the
-- failed premise's place, quiet, moderated} (a private message's: {'CHANGED',
-- place}); nothing is said, and its key and the message are dropped (a
-- refused line keeps no key). A key no longer kept (so dropped by its
-- repeat's refusal at once) answers the same refusal when its premises
-- fail now.
-- The message is numbered and kept as any is (said: `args.retention`,
-- `args.oldest`; private_said: `args.retention`), a room's published, and
-- its key's record takes its id, once: a second call (the key's repeat,
-- on another node at once) finds it said and answers its id. Answers
-- {'OK', id, seq}: seq 0 when it was said already (or is no longer held:
-- its key forgotten), id 0 when there is none. A private
-- message's answer is {'OK', id, 1, data} when this call said it (its
-- node tells it, or keeps it for an absent account: data, numbered, is
-- the message as held), else {'OK', id, 0}. One between plain names
-- (conversation ''), kept nowhere, is told here, to user `args.user`'s
-- session `args.token` (as tell.lua tells), its key kept with no id:
-- {'OK', 0, 1, data}, or {'NO_SUCH_USER'} (its key dropped) if that
-- session holds the name no longer.
local r = args.room
if r == '' then r = nil end
local k = txn_key(r, args.sender, args.key)
-- What the held message rests on, read again: nil if it all holds.
local function refusal()
  local c = args.change
  if not c then return nil end  -- between plain names: the session, below
  if r then
    local outside = false
    for _, op in ipairs(c.ops) do
      if op.kind == 'Append' and op.outside then outside = true end
    end
    local gone = not_a_member(args.user, args.token, r)
    if gone and not (outside and gone == 'NOT_IN_ROOM') then return gone end
    if redis.call('EXISTS', room_key(r)) == 0 then return 'NOT_IN_ROOM' end
  end
  local failed = unmet(c)
  if not failed then return nil end
  if not r then return {'CHANGED', failed} end
  local quiet, moderated = 0, 0
  if redis.call('SISMEMBER', quiet_key(r), args.user) == 1 then quiet = 1 end
  if redis.call('HGET', room_key(r), 'moderated') == '1' then moderated = 1 end
  return {'CHANGED', failed, quiet, moderated}
end
local kept = redis.call('GET', k)
if not kept then return refusal() or {'OK', 0, 0} end
local line, id, target = string.match(kept, '^(%S+) (%S*) (.*)$')
if id ~= '!' then return {'OK', tonumber(id) or 0, 0} end
local message = redis.call('GET', k .. ':held')
local refused = refusal()
if not message or refused then
  redis.call('DEL', k, k .. ':held')
  return refused or {'OK', 0, 0}
end
redis.call('DEL', k .. ':held')
if not r and args.conversation == '' then  -- between plain names: told now
  if not holds(args.user, args.token) then
    redis.call('DEL', k)  -- nobody to tell: the key keeps nothing
    return {'NO_SUCH_USER'}
  end
  for _, s in ipairs(sessions_of(args.user, '')) do tell(s, message) end
  redis.call('SET', k, line .. '  ' .. target, 'KEEPTTL')
  return {'OK', 0, 1, message}
end
if not r then  -- a private message's: its node tells it
  local said_id, data = private_said(args.conversation, message, args.retention)
  redis.call('SET', k, line .. ' ' .. said_id .. ' ' .. target, 'KEEPTTL')
  return {'OK', said_id, 1, data}
end
local said_id, seq = said(r, message, args.retention, args.oldest)
redis.call('SET', k, line .. ' ' .. said_id .. ' ' .. target, 'KEEPTTL')
return {'OK', said_id, seq}
