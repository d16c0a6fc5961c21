"""The web door (``chatroom.doors.web``): HTTP, WebSocket frames, IRC over a
WebSocket and the page's grammar.
"""
