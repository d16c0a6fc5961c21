
-- The rows of rooms ARGV[2..], in that order: on the layouts whose rooms
-- share the server's slot, one call for the rooms a read needs.
local rows = {}
for i = 2, #ARGV do rows[#rows + 1] = listed_row(ARGV[i]) end
return rows
