
-- A keyed message held by say.lua or private-append.lua (`held`: key_hold)
-- said now that the node's WAIT says the replicas have it: sender
-- `args.sender`'s key `args.key` in room `args.room` ('' for the server's
-- slot: a private message's, said in conversation `args.conversation`).
-- The message is numbered and kept as any is (said: `args.retention`,
-- `args.oldest`; private_said: `args.retention`), a room's published, and
-- its key's record takes its id, once: a second call (the key's repeat,
-- on another node at once) finds it said and answers its id. Answers
-- {'OK', id, seq}: seq 0 when it was said already (or is no longer held:
-- its key forgotten, its room gone), id 0 when there is none. A private
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
local kept = redis.call('GET', k)
if not kept then return {'OK', 0, 0} end
local line, id, target = string.match(kept, '^(%S+) (%S*) (.*)$')
if id ~= '!' then return {'OK', tonumber(id) or 0, 0} end
local message = redis.call('GET', k .. ':held')
redis.call('DEL', k .. ':held')
if not message or (r and redis.call('EXISTS', room_key(r)) == 0) then
  redis.call('DEL', k)
  return {'OK', 0, 0}
end
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
