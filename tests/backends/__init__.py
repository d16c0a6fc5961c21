"""Tests of the back-ends (``chatroom.backends``): the contracts both keep,
and each one's own parts.
"""
