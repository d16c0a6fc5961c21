
-- A change of the server's bans (chatroom.core.moderation.serverbans): every premise
-- checked first ({'CHANGED', the failed one's place}, nothing written).
-- Then its operations in order: a ban made (AddBan: kept with its terms;
-- `orders`: what every node hears of a network ban, by mask, a copy of it
-- for the nodes' own connections) or lifted (LiftBan: `orders` too, for
-- the nodes' copies of the network bans), the entries it records in the
-- server's moderation log (`keep`), and the start of the end of every
-- session an EndSessions names, wherever it is (the one holding a name,
-- every one signed in to an account: chatroom.core.moderation.serverbans.covered),
-- each told why (`ended`: the node's EndSession of each reason; `ttl`).
-- The server's step of their ends (chatroom.backends.redis.endings): 'OK',
-- the leavers, the copies to refresh. The bans come first, so that none
-- of them signs in again meanwhile.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local function tell_nodes(order)
  if not order then return end
  for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
    redis.call(PUB, P .. 'node:' .. node, '* ' .. order)
  end
end
local users, covered, told = {}, {}, ''
for _, op in ipairs(c.ops) do
  if op.kind == 'LiftBan' then
    redis.call('HDEL', GBAN_TERMS, op.mask)
    redis.call('ZREM', GBANS, op.mask)
    tell_nodes(args.orders[op.mask])
  elseif op.kind == 'AddBan' then
    redis.call('ZADD', GBANS, 'NX', redis.call('INCR', P .. 'counter'), op.mask)
    redis.call('HDEL', GBAN_TERMS, op.mask)
    if op.terms ~= '' then redis.call('HSET', GBAN_TERMS, op.mask, op.terms) end
    tell_nodes(args.orders[op.mask])
  elseif op.kind == 'EndSessions' then
    cover_end(op.holder, op.account, users, covered)
    told = op.told
  end
end
recorded(c, '*', args.keep)
return ending_all(users, told, args.ended[told] or '', args.ttl, {})
