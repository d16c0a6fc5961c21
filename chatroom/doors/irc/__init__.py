"""The IRC door: IRC clients (irssi, WeeChat, HexChat) in the same rooms.

``wire`` parses and builds IRC lines and renders shared events as IRC;
``session`` is one IRC connection (a :class:`chatroom.core.model.member.Member`);
``commands`` holds a handler per IRC command. See ``docs/irc.md``.
"""
