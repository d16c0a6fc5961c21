"""The benchmark's command (``chatroom.bench``)."""
