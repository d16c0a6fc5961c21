local reply = {}
for _, u in ipairs(args.users) do
  local s = session_of(u)
  local facts = s and redis.call('HGET', PRESENCE, u)
  if facts then
    reply[#reply + 1] = {s.name, facts, redis.call('HGET', SIGNED, u) or '',
                         redis.call('HGET', PRESENCE_META, u) or ''}
  elseif s then  -- kept by an older node: its hash of u's own
    local former = redis.call('HMGET', former_presence_key(u),
                              'user', 'real', 'away', 'bot', 'inv', 'since', 'meta')
    if former[1] then
      reply[#reply + 1] = {s.name, former[1], former[2], former[3], former[4],
                           former[5], former[6], redis.call('HGET', SIGNED, u) or '',
                           former[7] or ''}
    else
      reply[#reply + 1] = {}
    end
  else
    reply[#reply + 1] = {}
  end
end
return reply
