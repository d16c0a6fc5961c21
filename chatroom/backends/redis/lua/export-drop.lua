
-- An export's change: its premise (still kept) checked ({'CHANGED', the
-- failed one's place}), then gone.
local c = args.change
local failed = unmet(c)
if failed then return {'CHANGED', failed} end
redis.call('DEL', P .. 'export:' .. c.subject.token)
return {'OK'}
