"""The urwid terminal client, ``chatroom-urwid``.

Controller / model / view, as zulip-terminal splits them, composed rather
than inherited. ``protocol`` turns server lines into parsed events (the
grammar, the command table and tag escaping are the wire package's,
:mod:`chatroom.wire`); ``controller`` sends each through one table,
``EVENTS``, to the model's method for it and then its own reaction, and
turns what the user does into lines (paced by ``sending``, with
``accounts``, ``rejoining`` and ``typingnotices`` as its parts);
``model`` keeps the session, made of parts that each hold one kind of
data (``logs``, ``buffers``, ``history``, ``typists``, ``findings``) and
tells its listeners what changed; ``view`` and ``widgets`` draw it in the
colours of ``palette``, ``keys`` holds the key bindings as data,
``editing`` the input line's edits and completion, ``pasting`` what a
paste is. ``settings`` reads the TOML settings file and ``logfile``
keeps ``--log-dir``.
"""
