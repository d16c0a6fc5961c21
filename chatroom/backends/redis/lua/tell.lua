
if not holds(ARGV[2], ARGV[3]) then return {'NO_SUCH_USER'} end
for _, s in ipairs(sessions_of(ARGV[2], '')) do tell(s, ARGV[4]) end
if ARGV[5] ~= '' then  -- the sender's copy, to its sessions on other nodes
  for _, s in ipairs(sessions_of(ARGV[5], ARGV[6])) do tell(s, ARGV[4]) end
end
return {'OK'}
