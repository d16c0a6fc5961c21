
-- An account's files' change: its premises checked ({'CHANGED', the failed
-- one's place, the bytes its files take now}), then each record kept and
-- counted in the account's usage (AddFile; none twice), or gone and no
-- longer counted (RemoveFile).
local c = args.change
local usage = P .. 'file-usage:' .. c.subject.account
local failed = unmet(c)
if failed then return {'CHANGED', failed, tonumber(redis.call('GET', usage) or '0')} end
for _, op in ipairs(c.ops) do
  if op.kind == 'AddFile' then
    local record = op.record
    local key = P .. 'file:' .. record.id
    if redis.call('EXISTS', key) == 0 then
      redis.call('HSET', key, 'account', record.account, 'name', record.name,
                 'type', record.type, 'size', record.size, 'at', record.at)
      redis.call('INCRBY', P .. 'file-usage:' .. record.account, record.size)
    end
  elseif op.kind == 'RemoveFile' then
    local key = P .. 'file:' .. op.file_id
    local fields = redis.call('HMGET', key, 'account', 'size')
    if fields[1] then
      redis.call('DEL', key)
      local counted = P .. 'file-usage:' .. fields[1]
      if redis.call('DECRBY', counted, fields[2]) <= 0 then redis.call('DEL', counted) end
    end
  end
end
return {'OK'}
