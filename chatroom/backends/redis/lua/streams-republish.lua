-- After a resume, Redis made to agree with the event streams this node
-- (args.node) holds open: its streams kept here forgotten, then
-- args.streams, {bot, stream} each, written under it with no premise (they
-- are open, counted as they were opened). Answers {'OK'}.
forget_streams(args.node)
for _, open in ipairs(args.streams) do
  redis.call('HSET', P .. 'streams:' .. open[1], open[2], args.node)
  redis.call('SADD', P .. 'node-streams:' .. args.node, open[1])
end
return {'OK'}
