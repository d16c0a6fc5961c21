"""What every door shares (``chatroom.doors.base``): framing, deadlines and
the send queue.
"""
