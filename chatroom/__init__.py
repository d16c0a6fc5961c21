"""chatroom: a multi-room chat server on Twisted, and its urwid terminal client."""

__version__ = "0.1.0"
