"""What the server and its clients both speak, written once.

The line protocol's grammar and each event's named fields
(:mod:`chatroom.wire.lines`), its commands with their synopses, help and
secrets, and ``/set``'s settings (:mod:`chatroom.wire.commands`), IRCv3
tag escaping (:mod:`chatroom.wire.tags`), what a typed line is, a command
or words to say (:mod:`chatroom.wire.said`), a message of several lines:
its bounds and how ``/paste`` writes it (:mod:`chatroom.wire.pastes`),
and what a valid name is and when two names are one
(:mod:`chatroom.wire.names`). The server's doors and core, the terminal
client and the load generator import these modules, and the web client
reads its grammar, commands, paste rule and name key from them
(``/wire.js``, which the web door makes:
:mod:`chatroom.doors.web.wirescript`); this package imports nothing else
of chatroom's, so a client needs none of the server.
"""
