
-- A name's claim as the core decided it (chatroom.core.services.claims): the session
-- takes the name (TakeName: a first claim, or a rename from `old`), or
-- attaches as one more holder of it (AttachDevice: a device of the account
-- signed in to it, its own session on another node). GONE if a rename's
-- session no longer holds its old name. Its premises (the name's account,
-- the bans of its masks, the session holding it, the account that one is
-- signed in to, its end under way or not) checked first: if one fails,
-- {'CHANGED', its place, then the claim's facts as they are: 1 if the name
-- is an account's, 1 if one of `masks` is banned, the session holding it
-- ('' for none), the account that one is signed in to, 1 if its end is
-- under way, how many devices hold it besides, why its connection is gone
-- ('' if no node said so: mark-gone.lua)}, for the core to decide
-- again. The presence (`presence`: facts and meta, as presence-publish
-- keeps them) is kept once the name is the session's.
local c = args.change
local u = c.subject.name
local op = c.ops[1]
local old = op.old or ''
if old ~= '' and not holds(old, op.token) then return {'GONE'} end
local failed = unmet(c)
if failed then
  local banned = 0
  for _, mask in ipairs(args.masks) do
    if redis.call('ZSCORE', GBANS, mask) then banned = 1 end
  end
  local held = session_of(u)
  local holder = held and held.token or ''
  -- why the holder's connection is gone, if a node said so (mark-gone.lua's
  -- mark: its token, a space, the reason)
  local why, mark = '', redis.call('HGET', P .. 'gone', u)
  if mark and holder ~= '' and string.sub(mark, 1, #holder + 1) == holder .. ' ' then
    why = string.sub(mark, #holder + 2)
  end
  return {'CHANGED', failed, redis.call('HEXISTS', ACCOUNTS, u), banned,
          holder, redis.call('HGET', SIGNED, u) or '',
          redis.call('HEXISTS', P .. 'ending', u), redis.call('SCARD', holders_key(u)),
          why}
end
local function presence_kept()
  if args.presence then presence_set(u, args.presence.facts, args.presence.meta) end
end
if op.kind == 'AttachDevice' then
  redis.call('SADD', holders_key(u), op.token)
  session_indexed(u, op.token)
  presence_kept()
  return {'OK', places_of(u), member_record(u)}
end
local token, name, account = op.token, op.shown, op.account
if old ~= '' and old ~= u then
  redis.call('HDEL', SIGNED, old)
  presence_dropped(old)  -- its new name's comes next
end
if account ~= '' then
  redis.call('HSET', SIGNED, u, account)
else
  redis.call('HDEL', SIGNED, u)
end
redis.call('HSET', USERS, u, token .. ' ' .. name)
session_indexed(u, token)  -- a rename's entry now names u
presence_kept()
if old == '' then
  sighted(name, 'online')
  return {'OK'}
end
local rooms = places_of(old)
local formers = renames_of(old)
table.remove(formers, 1)  -- the pending renames' decision: the op's is now
if old ~= u then
  redis.call('HDEL', USERS, old)
  redis.call('HDEL', P .. 'renaming', old)
  formers[#formers + 1] = old
  if #rooms > 0 then
    places_set(u, rooms)
    redis.call('HDEL', PLACES, old)
  end
end
if #rooms == 0 then return {'OK'} end
if #formers > 0 then  -- the journal first: the rooms' steps come next
  table.insert(formers, 1, op.owner_follows and '1' or '0')
  redis.call('HSET', P .. 'renaming', u, table.concat(formers, ' '))
end
return {'IN_ROOM', rooms, member_record(u), formers}
