"""The wiring (``chatroom.wiring``): options, configuration, logs and the
service they build.
"""
