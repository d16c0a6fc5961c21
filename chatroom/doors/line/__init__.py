"""The line-protocol door (--port): plain UTF-8 lines."""
