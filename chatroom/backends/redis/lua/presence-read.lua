
local reply = {}
for i = 2, #ARGV do
  local u = ARGV[i]
  local s = session_of(u)
  local facts = s and redis.call('HMGET', P .. 'presence:' .. u,
                                 'user', 'real', 'away', 'bot', 'inv', 'since', 'meta')
  if facts and facts[1] then
    reply[#reply + 1] = {s.name, facts[1], facts[2], facts[3], facts[4], facts[5], facts[6],
                         redis.call('HGET', SIGNED, u) or '', facts[7] or ''}
  else
    reply[#reply + 1] = {}
  end
end
return reply
