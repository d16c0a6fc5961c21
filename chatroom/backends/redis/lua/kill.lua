
local s = session_of(ARGV[2])
if not s then return {'NO_SUCH_USER'} end
local reply = ending_all({ARGV[2]}, ARGV[3], ARGV[4], ARGV[5], {})
record_entries('*', ARGV[6], ARGV[7])
reply[4] = s.name
return reply
