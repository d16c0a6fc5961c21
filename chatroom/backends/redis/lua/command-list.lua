
-- Room args.room's slash commands, in the order of their keys (each the
-- JSON of its fields).
local names = redis.call('HKEYS', commands_key(args.room))
table.sort(names)
local commands = {}
for _, name in ipairs(names) do
  commands[#commands + 1] = redis.call('HGET', commands_key(args.room), name)
end
return commands
