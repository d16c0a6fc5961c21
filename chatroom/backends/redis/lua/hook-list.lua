
local names = redis.call('HKEYS', hooks_key(args.room))
table.sort(names)
local hooks = {}
for _, name in ipairs(names) do
  local kept = redis.call('HGET', hooks_key(args.room), name)
  if OLDER_ROOMS and not is_hook(kept) then
    kept = redis.call('HGET', P .. 'hooks', kept) or ''
  end
  hooks[#hooks + 1] = kept
end
return hooks
