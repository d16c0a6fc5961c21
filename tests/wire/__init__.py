"""What server and clients both speak (``chatroom.wire``)."""
