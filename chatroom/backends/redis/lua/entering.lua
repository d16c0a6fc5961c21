
-- The server's step of a join or a create: the session still holds its
-- user (else GONE), the premises read on the server's keys hold (a
-- create's --max-rooms: else CHANGED, the failed premise's place and how
-- many rooms there are), a made room listed and numbered, the user's
-- rooms naming it (index_first).
local c, u, token = args.change, args.user, args.token
if not holds(u, token) then return {'GONE'} end
local failed = unmet(c, 'server')
if failed then return {'CHANGED', failed, redis.call('HLEN', ROOMS)} end
local created = ''
for _, op in ipairs(c.ops) do
  if op.kind == 'MakeRoom' then
    created = list_room(c.subject.room, op.name, u .. ' ' .. token)
  end
end
index_first(c)
return {'OK', cjson.encode(records_of(c)), created, #sessions_of(u, token)}
