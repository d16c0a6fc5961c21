
local c = args.change
for _, op in ipairs(c.ops) do
  if op.kind == 'SetRegistered' then
    redis.call('HSET', P .. 'account-ages', c.subject.account, op.at)
  end
end
return 1
