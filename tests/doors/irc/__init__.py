"""The IRC door (``chatroom.doors.irc``): raw IRC lines in, raw IRC lines out."""
