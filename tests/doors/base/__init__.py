"""What every door shares (``chatroom.doors.base``): framing, deadlines, the send queue."""
