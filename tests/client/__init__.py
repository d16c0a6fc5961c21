"""Tests of the urwid terminal client (``chatroom.client``)."""
