"""Tests of the doors (``chatroom.doors``), one folder a door."""
