"""The web door (``chatroom.doors.web``): HTTP, WebSocket frames, IRC over WebSocket and the page's grammar."""
