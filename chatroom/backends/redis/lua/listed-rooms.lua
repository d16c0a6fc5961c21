-- The rows of rooms `rooms`, in that order: on the layouts whose rooms
-- share the server's slot, one call for the rooms a read needs.
local rows = {}
for _, r in ipairs(args.rooms) do rows[#rows + 1] = listed_row(r) end
return rows
