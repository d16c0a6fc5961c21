
-- A private conversation's change: its premises checked ({'CHANGED', the
-- failed one's place}: an account it rests on gone, a message deleted or
-- trimmed), then a message numbered with the conversation's next id and
-- kept among its newest `retention` (AppendPrivate), or deleted
-- (DeletePrivate: its place becomes '', ids staying consecutive as a
-- room's redacted messages; it leaves what waits for either party, and
-- the search outbox hears of it, `deletion`: a PrivateRedacted). A message
-- appended makes the conversation the newest of its account sides'. Answers
-- {'OK', the id of the message appended, or 0}.
local c = args.change
local conversation = c.subject.key
if args.keyed then  -- a keyed line's (/txn): done already, whatever since
  local done = key_done(c, nil)
  if done then return done end
end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local key = P .. 'talk:' .. conversation
local appended = 0
for _, op in ipairs(c.ops) do
  if op.kind == 'AppendPrivate' then
    appended = redis.call('HINCRBY', P .. 'pids', conversation, 1)
    local data = numbered(op.event, appended)
    redis.call('RPUSH', key, data)
    redis.call('LTRIM', key, -tonumber(args.retention), -1)
    feed_private(conversation, data)
    -- the newest conversation of each side that is an account (a plain
    -- name's side is marked '~': chatroom.core.messages.private.accounts_of)
    local order = redis.call('INCR', P .. 'convs-order')
    for side in string.gmatch(conversation, '%S+') do
      if string.sub(side, 1, 1) ~= '~' then
        redis.call('ZADD', P .. 'convs:' .. side, order, conversation)
      end
    end
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
if args.keyed then key_keep(c, nil, appended) end
return {'OK', appended}
