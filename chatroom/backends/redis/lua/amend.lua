
-- A room's messages' change about what it keeps, but a message said: a
-- topic set (SetTopic), a message edited or redacted (Rewrite: a
-- redaction blanks it and the edits and reactions of it, which readers
-- skip, so ids stay consecutive, and forgets who reacted to it), a
-- reaction given or taken back (React), a deleted account's words changed
-- (ReplaceEvent: by nobody); each with the event that says so (Append),
-- and the moderation log's entries it records (`keep`: the most a log
-- keeps). By a member (`user`, `token`: it may act there), or by nobody
-- (a room gone keeps nothing to change). Its premises checked first
-- ({'CHANGED', the failed one's place}). `retention`: the events a room
-- keeps; `prune`: how many reaction changes between two prunings of the
-- reactions of messages no longer kept.
local c, u = args.change, args.user
local r = c.subject.room
local keyed = nil  -- a keyed line's key (/txn): done already, whatever since
if args.keyed then
  local done
  done, keyed = key_done(c, r)
  if done then return done end
end
if u then
  local refusal = not_a_member(u, args.token, r)
  if refusal then return refusal end
elseif redis.call('EXISTS', room_key(r)) == 0 then
  return 'OK'
end
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local rk, hk = room_key(r), history_key(r)
local appended
for _, op in ipairs(c.ops) do
  local kind = op.kind
  if kind == 'SetTopic' then
    redis.call('HSET', rk, 'topic', op.text, 'topic_by', op.by, 'topic_at', op.at)
    lobby_news(r, redis.call('HGET', rk, 'name'))
  elseif kind == 'Rewrite' then
    local first = kept_ids(r)
    local target = tonumber(op.id)
    redis.call('LSET', hk, target - first, op.replacement or '')
    if not op.replacement then
      local mark = '"target":"' .. op.id .. '"'
      for i, entry in ipairs(redis.call('LRANGE', hk, target - first + 1, -1)) do
        if string.find(entry, mark, 1, true) then  -- else it cannot be one
          local event = decoded(entry)
          if event and DEPENDENT[event.type] and event.target == op.id then
            redis.call('LSET', hk, target - first + i, '')
          end
        end
      end
      forget_reactions(r, op.id)
    end
  elseif kind == 'React' then
    local reactions, count = reactions_key(r), op.target
    local given = count .. ' ' .. op.reaction
    local mine = given .. ' ' .. op.user
    if op.adding then
      if redis.call('HEXISTS', reactions, given) == 0 then
        redis.call('HINCRBY', reactions, count, 1)
      end
      redis.call('HINCRBY', reactions, given, 1)
      redis.call('HSET', reactions, mine, 1)
    else
      redis.call('HDEL', reactions, mine)
      if redis.call('HINCRBY', reactions, given, -1) <= 0 then
        redis.call('HDEL', reactions, given)
        if redis.call('HINCRBY', reactions, count, -1) <= 0 then
          redis.call('HDEL', reactions, count)
        end
      end
    end
    if redis.call('HINCRBY', reactions, '#changes', 1) % args.prune == 0 then
      local first = kept_ids(r)
      for _, field in ipairs(redis.call('HKEYS', reactions)) do
        local of = tonumber(string.match(field, '^%d+'))
        if of and of < first then redis.call('HDEL', reactions, field) end
      end
    end
  elseif kind == 'ReplaceEvent' then
    local first, last = kept_ids(r)
    local id = tonumber(op.id)
    if id >= first and id <= last then
      redis.call('LSET', hk, id - first, op.replacement or '')
    end
  elseif kind == 'Append' then
    appended = said(r, op.event, args.retention, op.oldest)
  end
end
recorded(c, r, args.keep)
if keyed then
  key_keep(keyed, r, appended)
  return {'OK', appended}
end
return 'OK'
