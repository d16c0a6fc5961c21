
local r = args.room
local rk = room_key(r)
local info = redis.call('HMGET', rk, 'name', 'owner', 'topic', 'topic_by', 'policy',
                        'topic_at', 'created_at')
if not info[1] then return {'NO_SUCH_ROOM'} end
local policy = info[5] or ''
local members, grants = {}, {}
for i, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
  local name, account = seated(r, m)
  members[i] = name
  if policy ~= '' then grants[i] = {m, account, own_token(r, m)} end
end
local owner = ''
if info[2] and info[2] ~= '' and is_member(info[2], r) then
  owner = (seated(r, info[2]))
end
return {'OK', info[1], owner, info[3] or '', info[4] or '', members,
        info[2] or '', policy, grants, info[6] or '0', info[7] or '0'}
