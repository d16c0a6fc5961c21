
-- A private conversation's change: its premises checked ({'CHANGED', the
-- failed one's place}: an account it rests on gone, a message deleted or
-- trimmed), then a message numbered with the conversation's next id and
-- kept among its newest `retention` (AppendPrivate), or deleted
-- (DeletePrivate: its place becomes '', ids staying consecutive as a
-- room's redacted messages; it leaves what waits for either party, and
-- the search outbox hears of it, `deletion`: a PrivateRedacted). A message
-- appended makes the conversation the newest of its account sides'. Answers
-- {'OK', the id of the message appended, or 0}. `keyed` (a keyed line's,
-- /txn): its key checked first (key_done) and kept with it (key_keep);
-- `held` too (behind --redis-replicas): the message is held with its key
-- (key_hold), unnumbered (id 0), until the node's WAIT confirms it and
-- publish-held.lua says it.
local c = args.change
local conversation = c.subject.key
local keyed = nil  -- a keyed line's key (/txn): done already, whatever since
if args.keyed then
  local done
  done, keyed = key_done(c, nil)
  if done then return done end
end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local key = P .. 'talk:' .. conversation
local appended = 0
for _, op in ipairs(c.ops) do
  if op.kind == 'AppendPrivate' and args.held then  -- said once confirmed
    key_hold(keyed, nil, op.event)
  elseif op.kind == 'AppendPrivate' then
    appended = private_said(conversation, op.event, args.retention)
  elseif op.kind == 'DeletePrivate' then
    local last = tonumber(redis.call('HGET', P .. 'pids', conversation) or '0')
    local first = last - redis.call('LLEN', key) + 1
    local data = redis.call('LINDEX', key, op.event_id - first)
    redis.call('LSET', key, op.event_id - first, '')
    for party in string.gmatch(conversation, '%S+') do
      redis.call('LREM', P .. 'waiting:' .. party, 0, data)
    end
    feed_private(conversation, args.deletion)
  end
end
if keyed and not args.held then key_keep(keyed, nil, appended) end
return {'OK', appended}
