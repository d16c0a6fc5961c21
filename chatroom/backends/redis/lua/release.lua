
local leavers, survivors = {}, {}
for i = 2, #ARGV, 2 do
  local u, token = ARGV[i], ARGV[i + 1]
  if ending_by(u, token) then
    leavers[#leavers + 1] = u
  elseif holds(u, token) then
    if let_go(u, token) then
      survivors[#survivors + 1] = u
    else
      leavers[#leavers + 1] = u
    end
  end
end
return ending_all(leavers, '', '', 0, survivors)
