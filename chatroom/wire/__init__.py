"""What the server and its clients both speak, written once.

The line protocol's grammar and each event's named fields
(:mod:`chatroom.wire.lines`), its commands with their synopses, help and
secrets (:mod:`chatroom.wire.commands`), IRCv3 tag escaping
(:mod:`chatroom.wire.tags`) and what a typed line is, a command or words
to say (:mod:`chatroom.wire.said`), and what a valid name is and when two
names are one (:mod:`chatroom.wire.names`). The server's doors, the terminal
client and the load generator import these modules, and the web client
reads its grammar and commands from them (``/wire.js``, which the web door
makes: :mod:`chatroom.doors.web.wirescript`); this package imports
nothing else of chatroom's, so a client needs none of the server.
"""
