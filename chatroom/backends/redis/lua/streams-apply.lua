-- A bot's event streams' change (chatroom.backends.redis.streams), on the
-- server's slot: {'CHANGED', the failed premise's place} if the bot has
-- as many streams open on the live nodes as the core allows
-- (FewerStreamsThan); else each operation in order: OpenStream puts the
-- stream in `P streams:BOT` under this node (args.node), and the bot in
-- the node's index `P node-streams:NODE` (what its harvest forgets);
-- CloseStream takes it out. Answers {'OK'}.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
local bot = c.subject.account
local key = P .. 'streams:' .. bot
for _, op in ipairs(c.ops) do
  if op.kind == 'OpenStream' then
    redis.call('HSET', key, op.stream, args.node)
    redis.call('SADD', P .. 'node-streams:' .. args.node, bot)
  elseif op.kind == 'CloseStream' then
    redis.call('HDEL', key, op.stream)
  end
end
return {'OK'}
