"""The line door (``chatroom.doors.line``): its protocol, lines in and lines out."""
