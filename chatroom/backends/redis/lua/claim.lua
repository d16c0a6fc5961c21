
local u, token, name, old, account = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if old ~= '' and not holds(old, token) then return {'GONE'} end
-- the premises the core decided the claim on: whether u is an account's
-- (ARGV[18], '' or none for no such premise), and each mask banned or
-- not (mask, '1'/'0')
local holding, banned = true, 0
if (ARGV[18] or '') ~= ''
    and redis.call('HEXISTS', ACCOUNTS, u) ~= tonumber(ARGV[18]) then
  holding = false
end
for i = 19, #ARGV, 2 do
  local is_banned = redis.call('ZSCORE', GBANS, ARGV[i]) and 1 or 0
  if is_banned == 1 then banned = 1 end
  if is_banned ~= tonumber(ARGV[i + 1]) then holding = false end
end
if not holding then  -- the claim's facts as they are, for the core
  return {'CHANGED', redis.call('HEXISTS', ACCOUNTS, u), banned}
end
-- u's presence (ARGV[10] '1': ARGV[11] its facts and ARGV[12] its
-- metadata, as presence-publish keeps them; ARGV[13] to ARGV[17] unused),
-- once token holds u
local function presence_kept()
  if ARGV[10] == '1' then presence_set(u, ARGV[11], ARGV[12]) end
end
if redis.call('HEXISTS', USERS, u) == 1 and not holds(u, token) then
  -- a device of the account attaches, unless u's end is under way (its
  -- name is then freed without its holders: chatroom.backends.redis.endings)
  if ARGV[8] == '1' and old == '' and account == u
      and redis.call('HGET', SIGNED, u) == account
      and redis.call('HEXISTS', P .. 'ending', u) == 0 then
    redis.call('SADD', holders_key(u), token)
    session_indexed(u, token)
    presence_kept()
    return {'ATTACHED', places_of(u), member_record(u)}
  end
  if ARGV[7] == '1' then return {'HELD'} end
  -- a session gone whose end is under way (its rooms being left, on
  -- whichever node had it): the name is freed by that end's last step
  if redis.call('HEXISTS', P .. 'ending', u) == 1 then return {'ENDING'} end
  -- its holder's connection is gone (GONE marked it), its node's release
  -- still to come: the claim ends it (TAKEOVER), the rooms hearing why
  local gone = redis.call('HGET', P .. 'gone', u)
  if gone and redis.call('SCARD', holders_key(u)) == 0 then
    local space = string.find(gone, ' ', 1, true)
    local s = session_of(u)
    if s and string.sub(gone, 1, space - 1) == s.token then
      return {'LOST', string.sub(gone, space + 1)}
    end
  end
  return {'TAKEN'}
end
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
table.remove(formers, 1)  -- the pending renames' decision: ARGV[9] is now
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
  table.insert(formers, 1, ARGV[9])
  redis.call('HSET', P .. 'renaming', u, table.concat(formers, ' '))
end
return {'IN_ROOM', rooms, member_record(u), formers}
