"""The Redis back-end (``chatroom.backends.redis``): the contracts against a
real redis-server, and its client's parts.
"""
