"""Tests of the back-ends (``chatroom.backends``): the contracts both run, and each one's own."""
