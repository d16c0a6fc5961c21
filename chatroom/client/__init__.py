"""The urwid terminal client, ``chatroom-urwid``.

Controller / model / view, as zulip-terminal splits them: ``protocol`` turns
server lines into events, ``model`` keeps the session, ``view`` and
``widgets`` draw it, ``keys`` holds the key bindings as data, and
``controller`` wires them together on one Twisted reactor (no threads).
"""
