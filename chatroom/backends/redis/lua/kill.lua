
local u = args.user
local s = session_of(u)
if not s then return {'NO_SUCH_USER'} end
local reply = ending_all({u}, args.reason, args.ended[args.reason] or '', args.ttl, {})
record_entries('*', args.keep, args.entries)
reply[4] = s.name
return reply
