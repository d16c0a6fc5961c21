
-- ARGV: the reason the sessions ended are told, the node's EndSession of
-- it (encoded; '' for none), how long a node out of touch finds it (ms),
-- how many premises, each
-- premise's mask and whether it is banned ('1') or not yet ('0'), then the
-- operations in order: 'add', a mask, its terms as the core encoded them
-- ('': none) and the order every node hears ('': none; a network ban's,
-- for the nodes' own connections); 'lift', a mask and the order every
-- node hears ('': none; a network's, for the nodes' copies of the network
-- bans); or 'end', a name key and an account ('' for none): the sessions
-- the core decided a ban covers, the one holding that name and every one
-- signed in to that account (chatroom.core.serverbans.covered), or, with
-- no ban, those of an account whose password was reset by mail; or
-- 'record', the most entries the server's moderation log keeps and the
-- entries the change records there (a JSON array).
-- Every premise is checked first: {'CHANGED', i} for the first that does
-- not hold, and nothing is written. Then each ban is made or lifted and the
-- ends of the sessions named start. The server's step of their ends
-- (chatroom.backends.redis.endings): 'OK', the leavers, the copies to
-- refresh. The bans come first, so that none of them signs in again
-- meanwhile.
local reason, ending, ttl, count = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
for i = 1, count do
  local mask, banned = ARGV[4 + 2 * i], ARGV[5 + 2 * i] == '1'
  if (redis.call('ZSCORE', GBANS, mask) ~= false) ~= banned then
    return {'CHANGED', i}
  end
end
local function tell_nodes(order)
  if order == '' then return end
  for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
    redis.call(PUB, P .. 'node:' .. node, '* ' .. order)
  end
end
local users, covered = {}, {}
local at = 6 + 2 * count
while at <= #ARGV do
  local op, mask = ARGV[at], ARGV[at + 1]
  if op == 'lift' then
    redis.call('HDEL', GBAN_TERMS, mask)
    redis.call('ZREM', GBANS, mask)
    tell_nodes(ARGV[at + 2])
    at = at + 3
  elseif op == 'add' then
    local terms = ARGV[at + 2]
    redis.call('ZADD', GBANS, 'NX', redis.call('INCR', P .. 'counter'), mask)
    redis.call('HDEL', GBAN_TERMS, mask)
    if terms ~= '' then redis.call('HSET', GBAN_TERMS, mask, terms) end
    tell_nodes(ARGV[at + 3])
    at = at + 4
  elseif op == 'record' then
    record_entries('*', ARGV[at + 1], ARGV[at + 2])
    at = at + 3
  else  -- 'end'
    cover_end(ARGV[at + 1], ARGV[at + 2], users, covered)
    at = at + 3
  end
end
return ending_all(users, reason, ending, ttl, {})
