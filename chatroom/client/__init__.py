"""The urwid terminal client, ``chatroom-urwid``.

Controller / model / view, as zulip-terminal splits them: ``protocol`` turns
server lines into events, ``model`` keeps the session (a log per page; its
logs and listeners in ``observed``, a room's history in ``history``),
``view`` and ``widgets`` draw it in the colours of ``palette``, ``keys``
holds the key bindings as data, ``editing`` the input line's edits and
completion, ``sending`` paces what goes out and matches replies to lines,
and ``controller`` wires them together on one Twisted reactor (no threads),
with what the user types in ``typed``. ``settings`` reads the TOML
settings file and ``logfile`` keeps ``--log-dir``.
"""
