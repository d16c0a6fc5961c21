
-- The server's step before a moderation's room step (MODERATE), where
-- rooms have slots of their own: its premises read on the server's keys
-- (the target's session, which the room cannot say of a non-member).
if unmet(args.change, 'server') then return 'CHANGED' end
return 'OK'
