
-- A room's rename (chatroom.core.changes.RenameRoom), for the layout that
-- keeps every key in one slot: its premises checked (the room's
-- incarnation and version, its owner, the new name free), then the
-- rename published on the old channel (its members' nodes move to the
-- new one on it) and everything kept under the old key moved to the new.
-- ARGV: 2 old key, 3 new key, 4 new name, 5 inc, 6 ver, 7 owner as read,
-- 8 until when the old name leads to the room (Unix seconds), 9 now (the
-- node's clock, which the grace is counted on), 10 the rename's event,
-- 11 the same for the lobby's watchers ('' for none: a secret room).
local r, new, name = ARGV[2], ARGV[3], ARGV[4]
local old_name = redis.call('HGET', room_key(r), 'name')
if not old_name then return {'NO_SUCH_ROOM'} end
if not unchanged(r, ARGV[5], ARGV[6]) then return {'CHANGED'} end
if redis.call('HGET', room_key(r), 'owner') ~= ARGV[7] then return {'CHANGED'} end
if new ~= r then
  local taken = redis.call('HGET', ROOMS, new)
  if taken or redis.call('EXISTS', room_key(new)) == 1 then
    return {'CHANGED', taken or new, ''}
  end
  local leads = former_name(new, tonumber(ARGV[9]))
  if leads and leads[2] ~= r then return {'CHANGED', '', leads[3]} end
end
local seq = emit(r, ARGV[10])
if ARGV[11] ~= '' then redis.call('PUBLISH', P .. 'lobby', ARGV[11]) end
local members = redis.call('ZRANGE', members_key(r), 0, -1)
if new ~= r then
  -- Its former names lead here now (those past their grace, or leading to
  -- a room gone, are dropped); the new name is a former name no more.
  local now = tonumber(ARGV[9])
  for _, former in ipairs(redis.call('HKEYS', FORMER)) do
    local leads = former_name(former, now)
    if not leads then
      redis.call('HDEL', FORMER, former)
    elseif leads[2] == r then
      redis.call('HSET', FORMER, former, leads[1] .. ' ' .. new .. ' ' .. name)
    end
  end
  redis.call('HDEL', FORMER, new)
  if tonumber(ARGV[8]) > now then
    redis.call('HSET', FORMER, r, ARGV[8] .. ' ' .. new .. ' ' .. name)
  end
  for _, key in ipairs({room_key, members_key, history_key, log_key,
                        reactions_key, modlog_key, quiet_key, hooks_key,
                        holding_key, seats_key, pins_key}) do
    if redis.call('EXISTS', key(r)) == 1 then
      redis.call('RENAME', key(r), key(new))
    end
  end
  -- The old key keeps its newest id: a room made under it goes on from there.
  redis.call('HSET', P .. 'ids', new, newest_id(r))
  redis.call('HDEL', ROOMS, r)
  redis.call('HSET', ROOMS, new, name)
  local keeping = redis.call('ZSCORE', P .. 'keeping', r)
  if keeping then
    redis.call('ZREM', P .. 'keeping', r)
    redis.call('ZADD', P .. 'keeping', keeping, new)
  end
  for _, m in ipairs(members) do
    places_remove(m, r)
    places_add(m, new)
  end
  -- What accounts keep of the room, by its key: read markers, notification
  -- levels and follows of its threads, the rooms they are put back in.
  local notify, follow = 'notify ' .. r, 'follow ' .. r .. ' '
  for _, a in ipairs(redis.call('HKEYS', ACCOUNTS)) do
    local markers, settings = P .. 'markers:' .. a, P .. 'settings:' .. a
    local marker = redis.call('HGET', markers, r)
    redis.call('HDEL', markers, new)
    if marker then
      redis.call('HDEL', markers, r)
      redis.call('HSET', markers, new, marker)
    end
    for _, field in ipairs(redis.call('HKEYS', settings)) do
      local moved
      if field == notify then
        moved = 'notify ' .. new
      elseif string.sub(field, 1, #follow) == follow then
        moved = 'follow ' .. new .. ' ' .. string.sub(field, #follow + 1)
      end
      if moved then
        redis.call('HSET', settings, moved, redis.call('HGET', settings, field))
        redis.call('HDEL', settings, field)
      end
    end
    local remembered = P .. 'account-rooms:' .. a
    local order = P .. 'account-rooms-order:' .. a
    local entered = redis.call('ZSCORE', order, r)
    if entered then
      redis.call('ZREM', order, r)
      redis.call('HDEL', remembered, r)
      redis.call('ZADD', order, entered, new)
      redis.call('HSET', remembered, new, name)
    end
  end
else
  redis.call('HSET', ROOMS, r, name)
end
redis.call('HSET', room_key(new), 'name', name)
-- Its kept events name it as it is called now (the first '"room":' of
-- each is its own: a text's quotes are escaped).
local from, to = '"room":' .. cjson.encode(old_name), '"room":' .. cjson.encode(name)
local hk = history_key(new)
for i, entry in ipairs(redis.call('LRANGE', hk, 0, -1)) do
  local at = string.find(entry, from, 1, true)
  if at then
    redis.call('LSET', hk, i - 1,
               string.sub(entry, 1, at - 1) .. to .. string.sub(entry, at + #from))
  end
end
-- Its hooks post to it by its new name, in the room and in the index (a
-- hook an older version kept as its secret alone is in the index only).
local hooks = redis.call('HGETALL', hooks_key(new))
for i = 1, #hooks, 2 do
  local kept = hooks[i + 1]
  local secret = kept_secret(kept)
  local data = is_hook(kept) and kept or redis.call('HGET', P .. 'hooks', secret)
  if data then
    local hook = cjson.decode(data)
    hook.room = name
    data = cjson.encode(hook)
    if is_hook(kept) then redis.call('HSET', hooks_key(new), hooks[i], data) end
    redis.call('HSET', P .. 'hooks', secret, data)
  end
end
lobby_news(old_name)
lobby_news(name)
return {'OK', seq, members}
