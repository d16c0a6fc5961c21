"""The Lua scripts of reactions, typing notices and the moderation log.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these
keep the shared state consistent and decide nothing the core decides:
``REACTION_FACTS`` reads what a reaction is decided on (which ``AMEND``
then checks as the premises of the reaction's change, so two nodes
cannot both add a room's twenty-first reaction); ``RELAY`` publishes a
typing notice without keeping it, ``ATTACH`` a link preview to whoever is
in the room; ``MODLOG_ADD`` and ``MODLOG_READ`` keep and read a room's
moderation log.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: Operands: room, target (a message's id), reaction, user. What a
#: reaction of the user to the target is decided on: ``{distinct
#: reactions, given by anyone (1/0), given by the user (1/0)}``.
REACTION_FACTS = Script("reaction-facts", room_at="room")

#: Operands: room, user, token, event. Published to the room, not kept.
RELAY = Script("relay", room_at="room")

#: Operands: room, event. Publishes it to the room's members, whoever they
#: are, without keeping it (a link preview, which follows its message once
#: the node that took the message fetched it); nothing if the room is gone.
ATTACH = Script("attach", room_at="room")

#: Operands: ``change`` (a moderation log's: its entries), ``log`` (its
#: log, the room whose slot it is in), ``keep`` (the most a log keeps).
#: Nothing for a room that is gone (deleted meanwhile: its log went with
#: it); the log ``*`` is the server's (chatroom.core.moderation.modlog.SERVER_LOG),
#: of no room.
MODLOG_ADD = Script("modlog_add", room_at="log")

#: Operands: log (a room's key), count. The newest count entries, oldest
#: first.
MODLOG_READ = Script("modlog_read", room_at="log")

#: :data:`MODLOG_ADD` and :data:`MODLOG_READ` of the server's log (``*``):
#: in the server's slot in either layout (``server-modlog`` with rooms
#: apart), beside the keys of the actions it records, whose scripts write
#: it with them (the prelude's ``recorded``).
SERVER_MODLOG_ADD = Script("modlog_add")
SERVER_MODLOG_READ = Script("modlog_read")

#: Operands: log (``*``), count. With rooms apart, the server's log as an
#: older version kept it, in a slot of its own as if it were a room's: read
#: before the server's slot's entries, and never written.
OLDER_SERVER_MODLOG_READ = Script("modlog-read-older", room_at="log")
