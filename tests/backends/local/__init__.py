"""The in-process back-end (``chatroom.backends.local``): the contracts
against it, its rooms and its SQLite store.
"""
